// 2. Round trip: one small item at a time, the next sent when the last came
// back. Two rows for Threadline: its pool (one batch of one item on a slot),
// which is what piscina is, and a whole job per item (start → waitFor:
// validation, the store, the events, the final state), which is what a user
// who starts a job per item pays.
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
  const at = (name: string, p: number) => percentile(times[name]!, p);
  // Both held to the goal: the pool is what piscina is; a whole job adds what piscina does not do.
  const rows = [
    {
      contender: 'threadline pool',
      what: 'the pool: one batch of one item',
      note: 'one batch of one item on a slot (a port message and a doorbell in shared memory): the part piscina does',
    },
    {
      contender: 'threadline',
      what: 'a whole job per item',
      note: 'start → waitFor: validation, the queued/started/item/progress/finished events, the SQLite store',
    },
  ];
  return rows.flatMap(({ contender, what, note }) =>
    [50, 99].map((p) =>
      record({
        measure: 2,
        name: `round trip p${p}, one item at a time: ${what}`,
        unit: 'ms',
        better: 'lower',
        threadline: at(contender, p),
        peers: { piscina: at('piscina', p), tinypool: at('tinypool', p) },
        reference: { name: 'piscina', value: at('piscina', p) },
        goal: { on: 'ratio', op: '<=', target: 1.2, text: '≤ 1.2x piscina' },
        samples: n,
        ...(p === 50 ? { note } : {}),
      }),
    ),
  );
}

export const roundTrip: Measure = {
  id: 'round-trip',
  number: 2,
  title: 'round trip, one item at a time',
  run: (ctx) => measureRoundTrip(ctx, ctx.quick ? 300 : 2000),
};
