// 10. One job of many tiny items: 1M and 10M items of bench.tiny (n => n * 2)
// in one job, each run in a Node process of its own (children/threadline-items.js),
// so its peak RSS (the kernel's high-water mark, worker threads included) is
// the job's alone; items/s from start() to the final snapshot, and the data
// directory's size after close. Peer, in the same rounds: the same items
// through a bare loop of as many worker threads, batched alike, no store
// (peers/batch-loop.js): the floor any pool pays to move them.
import type { Measure, MeasureContext } from '../measure.js';
import { runNodeChild } from '../processes.js';
import { type BenchRecord, record } from '../record.js';
import { median, rotated } from '../stats.js';

interface ChildResult {
  seconds: number;
  peakRssMb: number;
  heapAtPeakMb: { used: number; total: number; external: number };
  /** Threadline's only: the data directory after close. */
  storeMb?: number;
}

export interface ItemsOptions {
  items: number;
  runs: number;
}

const PEER = 'bare worker loop';
const WARMUP = 20_000;
const CONTENDERS = [
  ['threadline', new URL('../children/threadline-items.js', import.meta.url)],
  [PEER, new URL('../peers/batch-loop.js', import.meta.url)],
] as const;

const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1000}k`);

export async function measureItems(ctx: MeasureContext, options: ItemsOptions): Promise<BenchRecord[]> {
  const { items, runs } = options;
  // A minute per million items at the worst the shared machine has shown, and a floor for start-up.
  const timeoutMs = 60_000 + (items / 1e6) * 60_000;
  const results: Record<string, ChildResult[]> = { threadline: [], [PEER]: [] };
  for (let round = 0; round < runs; round++) {
    for (const [name, file] of rotated(CONTENDERS, round)) {
      const result = await runNodeChild<ChildResult>(
        file,
        { items, threads: ctx.threads, warmup: WARMUP },
        timeoutMs,
      );
      results[name]!.push(result);
      const heap = result.heapAtPeakMb;
      ctx.log(
        `items ${label(items)} ${name} round ${round + 1}: ${Math.round(items / result.seconds)} items/s, ` +
          `peak RSS ${result.peakRssMb.toFixed(0)} MB (main heap ${heap.used.toFixed(0)}/${heap.total.toFixed(0)} MB)` +
          (result.storeMb === undefined ? '' : `, store ${result.storeMb.toFixed(2)} MB`),
      );
    }
  }
  const of = (name: string, value: (r: ChildResult) => number) => median(results[name]!.map(value));
  const rate = (r: ChildResult) => items / r.seconds;
  const rss = (r: ChildResult) => r.peakRssMb;
  const name = `one job of ${label(items)} tiny items, ${ctx.threads} threads`;
  const rssRange = results.threadline!.map(rss);
  return [
    record({
      measure: 10,
      name: `${name}: throughput`,
      unit: 'items/s',
      better: 'higher',
      threadline: of('threadline', rate),
      peers: { [PEER]: of(PEER, rate) },
      reference: { name: PEER, value: of(PEER, rate) },
      goal: { on: 'value', op: '>=', target: 200_000, text: '≥ 200k items/s' },
      samples: runs,
    }),
    record({
      measure: 10,
      name: `${name}: peak RSS`,
      unit: 'MB',
      better: 'lower',
      threadline: of('threadline', rss),
      peers: { [PEER]: of(PEER, rss) },
      reference: { name: PEER, value: of(PEER, rss) },
      goal: { on: 'value', op: '<=', target: 150, text: '≤ 150 MB' },
      samples: runs,
      ...(runs > 1
        ? {
            note: `whole process, worker threads included; runs ${rssRange.map((v) => v.toFixed(0)).join(', ')} MB`,
          }
        : {}),
    }),
    record({
      measure: 10,
      name: `${name}: store on disk`,
      unit: 'MB',
      better: 'lower',
      threadline: of('threadline', (r) => r.storeMb ?? Number.NaN),
      goal: { on: 'value', op: '<=', target: 10, text: '≤ 10 MB' },
      samples: runs,
    }),
  ];
}

export const items: Measure = {
  id: 'items',
  number: 10,
  title: 'one job of many tiny items',
  run: async (ctx) => {
    if (ctx.quick) {
      const quick = await measureItems(ctx, { items: 1_000_000, runs: 1 });
      quick[0]!.note = '--quick: 10M items skipped';
      return quick;
    }
    return [
      ...(await measureItems(ctx, { items: 1_000_000, runs: 3 })),
      ...(await measureItems(ctx, { items: 10_000_000, runs: 1 })),
    ];
  },
};
