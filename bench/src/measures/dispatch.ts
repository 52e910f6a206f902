// 1. Dispatch: many tiny items through the pool. Threadline batches small
// items adaptively (core/src/engine/active-job.ts); piscina and tinypool send
// one message per task. Items per second from submit to the last result,
// including Threadline's bookkeeping (an item event per item, written to SQLite).
import { jobUrl, openEngine, runToEnd } from '../engine.js';
import type { Measure, MeasureContext } from '../measure.js';
import { openPiscina, openTinypool, submitAll } from '../peers/pools.js';
import { type BenchRecord, record } from '../record.js';
import { median, rotated } from '../stats.js';

export interface DispatchOptions {
  items: number;
  runs: number;
}

export async function measureDispatch(ctx: MeasureContext, options: DispatchOptions): Promise<BenchRecord> {
  const { items, runs } = options;
  const tiny = jobUrl('tiny');
  const bench = await openEngine({ poolSize: ctx.threads });
  const piscina = openPiscina(ctx.threads);
  const tinypool = openTinypool(ctx.threads);
  const contenders: [string, (n: number) => Promise<void>][] = [
    ['threadline', (n) => runToEnd(bench.engine, tiny, { n })],
    ['piscina', (n) => submitAll((i) => piscina.run(i), n)],
    ['tinypool', (n) => submitAll((i) => tinypool.run(i), n)],
  ];
  const rates: Record<string, number[]> = { threadline: [], piscina: [], tinypool: [] };
  try {
    // Warm-up: threads started, modules loaded, JIT settled, on a fifth of the work.
    for (const [, run] of contenders) await run(Math.max(100, Math.floor(items / 5)));
    for (let round = 0; round < runs; round++) {
      for (const [name, run] of rotated(contenders, round)) {
        const started = performance.now();
        await run(items);
        const seconds = (performance.now() - started) / 1000;
        rates[name]!.push(items / seconds);
        ctx.log(`dispatch ${name} round ${round + 1}: ${Math.round(items / seconds)} items/s`);
      }
    }
  } finally {
    await Promise.all([bench.close(), piscina.destroy(), tinypool.destroy()]);
  }
  const value = (name: string) => median(rates[name]!);
  return record({
    measure: 1,
    name: `dispatch ${items >= 1000 ? `${items / 1000}k` : items} tiny items, ${ctx.threads} threads`,
    unit: 'items/s',
    better: 'higher',
    threadline: value('threadline'),
    peers: { piscina: value('piscina'), tinypool: value('tinypool') },
    reference: { name: 'piscina', value: value('piscina') },
    goal: { on: 'ratio', op: '>=', target: 1.5, text: '≥ 1.5x piscina' },
    samples: runs,
  });
}

export const dispatch: Measure = {
  id: 'dispatch',
  number: 1,
  title: 'dispatch of tiny items',
  run: async (ctx) => [
    await measureDispatch(ctx, ctx.quick ? { items: 50_000, runs: 1 } : { items: 100_000, runs: 5 }),
  ],
};
