// 5. Hard kill: a loop that never checks is cancelled with { force: true };
// the time until its slot has a replacement worker online (the goal), and
// until the pool serves the next item (a one-item job on the one-thread pool).
// The peers' abort also terminates the worker; their column is abort() → the
// next task served.
import { setTimeout as sleep } from 'node:timers/promises';
import { jobUrl, openEngine, runToEnd } from '../engine.js';
import { LoopChannel } from '../loop-channel.js';
import type { Measure, MeasureContext } from '../measure.js';
import { openPiscina, openTinypool } from '../peers/pools.js';
import { type BenchRecord, record } from '../record.js';
import { median, nowAbs, percentile } from '../stats.js';

export async function measureHardKill(ctx: MeasureContext, samples: number): Promise<BenchRecord[]> {
  const loop = jobUrl('loop');
  const tiny = jobUrl('tiny');
  const bench = await openEngine({ poolSize: 1 });
  const { engine } = bench;
  const slot = engine.pool.slots[0]!;
  const channel = new LoopChannel();
  const piscina = openPiscina(1);
  const tinypool = openTinypool(1);
  const ready: number[] = [];
  /** cancel(force) → the old worker's exit: the part of `ready` that is terminating, not starting. */
  const terminated: number[] = [];
  const served: number[] = [];
  const peers: Record<string, number[]> = { piscina: [], tinypool: [] };
  try {
    await runToEnd(engine, tiny, { n: 1 });
    for (let i = 0; i < samples; i++) {
      const tag = `kill-${i}`;
      const job = await engine.start(loop, { iterations: 1, check: 'never', tag });
      await channel.next(tag, 'entered');
      await sleep(2 + Math.random() * 5);
      const old = slot.worker;
      let exitedAt = 0;
      const replaced = new Promise<void>((resolve) =>
        old.once('exit', () => {
          exitedAt = nowAbs();
          resolve();
        }),
      );
      const t0 = nowAbs();
      await engine.cancel(job.id, { force: true });
      // The next item, queued at once: it runs when the replacement can take it.
      const next = runToEnd(engine, tiny, { n: 1 });
      await replaced;
      await slot.ready;
      const t1 = nowAbs();
      await next;
      const t2 = nowAbs();
      const final = await engine.waitFor(job.id);
      if (final.state !== 'cancelled') throw new Error(`the killed loop ended ${final.state}`);
      if (slot.worker === old) throw new Error('the slot kept its terminated worker');
      ready.push(t1 - t0);
      terminated.push(exitedAt - t0);
      served.push(t2 - t0);
      ctx.log(
        `hard kill: ready in ${(t1 - t0).toFixed(1)} ms, next item served in ${(t2 - t0).toFixed(1)} ms`,
      );
      peers.piscina!.push(
        await peerKill(
          (signal) => piscina.run(null, { name: 'spin', signal }),
          () => piscina.run(1),
        ),
      );
      peers.tinypool!.push(
        await peerKill(
          (signal) => tinypool.run(null, { name: 'spin', signal }),
          () => tinypool.run(1),
        ),
      );
    }
  } finally {
    channel.close();
    await Promise.all([bench.close(), piscina.destroy(), tinypool.destroy()]);
  }
  return [
    record({
      measure: 5,
      name: 'hard kill: cancel(force) → replacement worker ready',
      unit: 'ms',
      better: 'lower',
      threadline: median(ready),
      peers: { 'p99 (threadline)': percentile(ready, 99) },
      goal: { on: 'value', op: '<=', target: 100, text: '≤ 100 ms' },
      samples: ready.length,
      note:
        `"ready" is the replacement thread online (its slot.ready): median ${median(terminated).toFixed(1)} ms to terminate the old worker, ` +
        `the rest starting the new one; "next item served" adds loading the worker module and the job module in the new thread`,
    }),
    record({
      measure: 5,
      name: 'hard kill: cancel(force) → next item served',
      unit: 'ms',
      better: 'lower',
      threadline: median(served),
      peers: { piscina: median(peers.piscina!), tinypool: median(peers.tinypool!) },
      reference: { name: 'piscina', value: median(peers.piscina!) },
      samples: served.length,
    }),
  ];
}

/** A peer's spinning task aborted, then the time until its pool has served the next task. */
async function peerKill(
  spin: (signal: AbortSignal) => Promise<unknown>,
  next: () => Promise<unknown>,
): Promise<number> {
  const abort = new AbortController();
  const task = spin(abort.signal).catch(() => undefined);
  // Long enough for the task to be running in its worker, not waiting in the queue.
  await sleep(20 + Math.random() * 5);
  const t0 = nowAbs();
  abort.abort();
  await task;
  await next();
  return nowAbs() - t0;
}

export const hardKill: Measure = {
  id: 'hard-kill',
  number: 5,
  title: 'hard kill to replacement ready',
  run: (ctx) => measureHardKill(ctx, ctx.quick ? 5 : 20),
};
