// 3. Progress cost: the same 1M-iteration CPU loop with ctx.progress(i, n) on
// every iteration and without it, timed inside the worker (so dispatch is not
// counted). Time comes from paired runs (both loops alternating in chunks in
// one job, so noise on a shared machine falls on both); memory from separate
// runs of each. The peer column is what a pool without shared progress leaves
// you: one postMessage per iteration to the main thread (piscina, a MessagePort).
import { MessageChannel } from 'node:worker_threads';
import { type BenchEngine, jobUrl, openEngine } from '../engine.js';
import type { Measure, MeasureContext } from '../measure.js';
import { openPiscina } from '../peers/pools.js';
import { type BenchRecord, record } from '../record.js';
import { median } from '../stats.js';

interface LoopResult {
  ms: number;
  heapDelta: number;
  rssDelta: number;
}

interface PairedResult {
  plainMs: number;
  progressMs: number;
  clock: string;
}

const MB = 2 ** 20;

async function runLoop<T>(bench: BenchEngine, input: Record<string, unknown>): Promise<T> {
  const job = await bench.engine.start(jobUrl('loop'), input);
  const done = await bench.engine.waitFor(job.id);
  if (done.state !== 'succeeded') throw new Error(`loop ended ${done.state}: ${done.error?.message}`);
  return done.summary as T;
}

export async function measureProgressCost(
  ctx: MeasureContext,
  options: { iterations: number; runs: number; memoryRuns: number },
): Promise<BenchRecord[]> {
  const { iterations, runs, memoryRuns } = options;
  const bench = await openEngine({ poolSize: 1 });
  const piscina = openPiscina(1);
  const byMessage = async (): Promise<LoopResult> => {
    const { port1, port2 } = new MessageChannel();
    let received = 0;
    const all = new Promise<void>((resolve) => {
      port1.on('message', () => {
        if (++received === iterations) resolve();
      });
    });
    const result = (await piscina.run(
      { iterations, port: port2 },
      { name: 'progressByMessage', transferList: [port2] },
    )) as LoopResult;
    await all;
    port1.close();
    return result;
  };
  const pairs: PairedResult[] = [];
  const memory: Record<'plain' | 'progress' | 'postMessage', LoopResult[]> = {
    plain: [],
    progress: [],
    postMessage: [],
  };
  const peerPlain: number[] = [];
  try {
    await runLoop(bench, { iterations, variant: 'paired' });
    for (let round = 0; round < runs; round++) {
      const pair = await runLoop<PairedResult>(bench, { iterations, variant: 'paired' });
      pairs.push(pair);
      ctx.log(
        `progress paired: ${pair.plainMs.toFixed(1)} ms without, ${pair.progressMs.toFixed(1)} ms with`,
      );
    }
    for (let round = 0; round < memoryRuns; round++) {
      memory.plain.push(await runLoop<LoopResult>(bench, { iterations, variant: 'plain' }));
      memory.progress.push(await runLoop<LoopResult>(bench, { iterations, variant: 'progress' }));
      peerPlain.push(((await piscina.run({ iterations }, { name: 'plainLoop' })) as { ms: number }).ms);
      memory.postMessage.push(await byMessage());
      ctx.log(`progress by postMessage: ${memory.postMessage.at(-1)!.ms.toFixed(0)} ms`);
    }
  } finally {
    await Promise.all([bench.close(), piscina.destroy()]);
  }
  // Memory that progress adds: the larger of the worker heap's and the process RSS's growth over the loop.
  const growth = (variant: 'progress' | 'postMessage', key: 'heapDelta' | 'rssDelta') =>
    (median(memory[variant].map((r) => r[key])) - median(memory.plain.map((r) => r[key]))) / MB;
  const extra = (variant: 'progress' | 'postMessage') =>
    Math.max(growth(variant, 'heapDelta'), growth(variant, 'rssDelta'));
  const withMs = median(pairs.map((p) => p.progressMs));
  const withoutMs = median(pairs.map((p) => p.plainMs));
  const ratio = median(pairs.map((p) => p.progressMs / p.plainMs));
  const perCallNs = median(pairs.map((p) => ((p.progressMs - p.plainMs) * 1e6) / iterations));
  const postMessageMs = median(memory.postMessage.map((r) => r.ms));
  const progressRecord = record({
    measure: 3,
    name: `progress cost: ${iterations / 1e6}M-iteration loop, ctx.progress each iteration`,
    unit: 'ms',
    better: 'lower',
    threadline: withMs,
    peers: { 'no progress': withoutMs, 'postMessage each iteration (piscina)': postMessageMs },
    reference: { name: 'no progress', value: withoutMs },
    goal: { on: 'ratio', op: '<=', target: 1.05, text: '≤ 1.05x the loop without' },
    samples: runs,
    note:
      `${perCallNs.toFixed(1)} ns per ctx.progress call over a loop body of ~${((withoutMs * 1e6) / iterations).toFixed(0)} ns ` +
      `(a 64-byte FNV-1a hash), ${pairs[0]!.clock} time; postMessage per iteration is ${(postMessageMs / median(peerPlain)).toFixed(1)}x the same loop in piscina`,
  });
  // The ratio is the median of per-run ratios (each run pairs its own loops), not a ratio of medians.
  progressRecord.ratio = ratio;
  progressRecord.pass = ratio <= 1.05;
  return [
    progressRecord,
    record({
      measure: 3,
      name: 'progress cost: extra memory over the loop',
      unit: 'MB',
      better: 'lower',
      threadline: extra('progress'),
      peers: { 'postMessage each iteration (piscina)': extra('postMessage') },
      goal: { on: 'value', op: '<=', target: 5, text: '≤ 5 MB' },
      samples: memoryRuns,
      note:
        `the larger of the worker heap's growth (${growth('progress', 'heapDelta').toFixed(2)} MB) and the process RSS's ` +
        `(${growth('progress', 'rssDelta').toFixed(2)} MB, which other threads move too) over the loop, beyond the loop without progress`,
    }),
  ];
}

export const progressCost: Measure = {
  id: 'progress',
  number: 3,
  title: 'progress cost in a CPU loop',
  run: (ctx) =>
    measureProgressCost(ctx, {
      iterations: 1_000_000,
      runs: ctx.quick ? 5 : 15,
      memoryRuns: ctx.quick ? 1 : 3,
    }),
};
