// 4. Cooperative cancel: a CPU loop that calls ctx.throwIfCancelled() every
// iteration; the time from engine.cancel() to the loop throwing in its worker
// (the goal), and to the subscriber seeing the job `cancelled` (what a UI
// shows). piscina has no cooperative cancel: its abort terminates the worker;
// its column is abort() → the task's promise rejecting.
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { JobEvent } from '@threadline/core';
import { jobUrl, openEngine } from '../engine.js';
import { LoopChannel } from '../loop-channel.js';
import type { Measure, MeasureContext } from '../measure.js';
import { openPiscina } from '../peers/pools.js';
import { type BenchRecord, record } from '../record.js';
import { nowAbs, percentile } from '../stats.js';

export async function measureCancel(ctx: MeasureContext, samples: number): Promise<BenchRecord[]> {
  const loop = jobUrl('loop');
  const bench = await openEngine({ poolSize: 1, graceMs: 60_000 });
  const { engine } = bench;
  const channel = new LoopChannel();
  const piscina = openPiscina(1);
  const stopped: number[] = [];
  const reported: number[] = [];
  const peer: number[] = [];
  const bare: number[] = [];
  const control = new FlagControl();
  try {
    for (let i = 0; i < samples; i++) {
      const tag = `cancel-${i}`;
      const job = await engine.start(loop, { iterations: 1e12, check: 'sync', tag });
      const events = engine.events({ jobId: job.id });
      const finished = waitForFinished(events);
      await channel.next(tag, 'entered');
      // Cancel at a random point of the loop, not always right after it started.
      await sleep(2 + Math.random() * 8);
      const t0 = nowAbs();
      await engine.cancel(job.id);
      const state = await finished;
      const t1 = nowAbs();
      if (state !== 'cancelled') throw new Error(`the loop ended ${state}, not cancelled`);
      const stop = await channel.next(tag, 'stopped');
      ctx.log(
        `cancel ${i}: stopped in ${(stop.at - t0).toFixed(2)} ms, reported in ${(t1 - t0).toFixed(2)} ms`,
      );
      if (i >= 3) {
        // The first few are warm-up.
        stopped.push(stop.at - t0);
        reported.push(t1 - t0);
      }
      const abort = new AbortController();
      const task = piscina.run(null, { name: 'spin', signal: abort.signal }).catch(() => nowAbs());
      await sleep(5 + Math.random() * 8);
      const p0 = nowAbs();
      abort.abort();
      const p1 = (await task) as number;
      if (i >= 3) peer.push(p1 - p0);
      // piscina replaces the worker its abort killed: let the new thread finish starting, so its
      // start-up does not compete for the cores with the next samples (it did: ~10x Threadline's p50).
      await piscina.run(1);
      const c = await control.sample();
      if (i >= 3) bare.push(c);
    }
  } finally {
    channel.close();
    await Promise.all([bench.close(), piscina.destroy(), control.close()]);
  }
  return [
    record({
      measure: 4,
      name: 'cooperative cancel p99: cancel() → loop stops in its worker',
      unit: 'ms',
      better: 'lower',
      threadline: percentile(stopped, 99),
      peers: {
        'p50 (threadline)': percentile(stopped, 50),
        'bare SharedArrayBuffer flag, p99 (control)': percentile(bare, 99),
        'bare flag, p50': percentile(bare, 50),
      },
      goal: { on: 'value', op: '<=', target: 5, text: 'p99 ≤ 5 ms' },
      samples: stopped.length,
      note: 'the control is the same loop in a bare worker thread checking a bare shared flag, sampled alternately with Threadline: its tail is the machine (a spinning thread descheduled), not Threadline',
    }),
    record({
      measure: 4,
      name: 'cooperative cancel p99: cancel() → subscriber sees `cancelled`',
      unit: 'ms',
      better: 'lower',
      threadline: percentile(reported, 99),
      peers: { 'piscina abort → rejected (kills worker)': percentile(peer, 99) },
      samples: reported.length,
      note: 'piscina cannot cancel cooperatively: its abort terminates the worker, which the task never sees',
    }),
  ];
}

/** A bare worker spinning on a shared flag: the floor any cooperative cancel can reach on this machine. */
class FlagControl {
  private readonly flags = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker = new Worker(new URL('../peers/flag-worker.js', import.meta.url), {
    workerData: this.flags.buffer,
  });

  private next(event: 'entered' | 'stopped'): Promise<number> {
    return new Promise((resolve) => {
      const listener = (message: { event: string; at: number }) => {
        if (message.event !== event) return;
        this.worker.off('message', listener);
        resolve(message.at);
      };
      this.worker.on('message', listener);
    });
  }

  async sample(): Promise<number> {
    Atomics.store(this.flags, 0, 0);
    const entered = this.next('entered');
    this.worker.postMessage('go');
    await entered;
    await sleep(2 + Math.random() * 8);
    const stopped = this.next('stopped');
    const t0 = nowAbs();
    Atomics.store(this.flags, 0, 1);
    return (await stopped) - t0;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

async function waitForFinished(events: AsyncIterable<JobEvent>): Promise<string> {
  for await (const event of events) if (event.type === 'finished') return event.state;
  throw new Error('event stream ended before the job finished');
}

export const cancel: Measure = {
  id: 'cancel',
  number: 4,
  title: 'cooperative cancel latency',
  run: (ctx) => measureCancel(ctx, ctx.quick ? 40 : 200),
};
