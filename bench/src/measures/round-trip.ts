// 2. Round trip: one small item at a time, the next sent when the last came
// back. For Threadline that is a whole job (start → waitFor: validation, the
// store, the item event, the final state), which is what its users call; the
// pool alone (one Comlink batch of one item) is reported beside it to show
// where the time goes.
import { jobUrl, openEngine, runToEnd } from '../engine.js';
import type { Measure, MeasureContext } from '../measure.js';
import { openPiscina, openTinypool } from '../peers/pools.js';
import { type BenchRecord, record } from '../record.js';
import { percentile, rotated } from '../stats.js';

export async function measureRoundTrip(ctx: MeasureContext, samples: number): Promise<BenchRecord[]> {
  const tiny = jobUrl('tiny');
  const bench = await openEngine({ poolSize: ctx.threads });
  const piscina = openPiscina(ctx.threads);
  const tinypool = openTinypool(ctx.threads);
  const slot = bench.engine.pool.slots[0]!;
  const contenders: [string, () => Promise<unknown>][] = [
    ['threadline', () => runToEnd(bench.engine, tiny, { n: 1 })],
    [
      'threadline pool',
      () => slot.run({ jobId: 'bench', moduleUrl: tiny, input: { n: 1 }, mode: 'process', items: [1] }),
    ],
    ['piscina', () => piscina.run(1)],
    ['tinypool', () => tinypool.run(1)],
  ];
  const times: Record<string, number[]> = Object.fromEntries(contenders.map(([name]) => [name, []]));
  try {
    const warmup = Math.min(200, samples);
    for (const [, call] of contenders) for (let i = 0; i < warmup; i++) await call();
    // Interleaved in blocks, so a burst of noise on the machine lands on every contender.
    const block = 50;
    for (let round = 0; round * block < samples; round++) {
      for (const [name, call] of rotated(contenders, round)) {
        for (let i = 0; i < block; i++) {
          const started = performance.now();
          await call();
          times[name]!.push(performance.now() - started);
        }
      }
    }
  } finally {
    await Promise.all([bench.close(), piscina.destroy(), tinypool.destroy()]);
  }
  const n = times.threadline!.length;
  return [50, 99].map((p) => {
    const at = (name: string) => percentile(times[name]!, p);
    return record({
      measure: 2,
      name: `round trip p${p}, one item at a time`,
      unit: 'ms',
      better: 'lower',
      threadline: at('threadline'),
      peers: {
        piscina: at('piscina'),
        tinypool: at('tinypool'),
        'threadline pool only': at('threadline pool'),
      },
      reference: { name: 'piscina', value: at('piscina') },
      goal: { on: 'ratio', op: '<=', target: 1.2, text: '≤ 1.2x piscina' },
      samples: n,
      ...(p === 50
        ? {
            note: 'threadline = a whole job (start → waitFor, SQLite store included); "threadline pool only" = one Comlink batch of one item on a slot, no job around it',
          }
        : {}),
    });
  });
}

export const roundTrip: Measure = {
  id: 'round-trip',
  number: 2,
  title: 'round trip, one item at a time',
  run: (ctx) => measureRoundTrip(ctx, ctx.quick ? 300 : 2000),
};
