// 8. The BullMQ backend vs raw BullMQ workers: no-op items through one Redis
// (a redis-server this measure starts on a free port, in a temp dir), the same
// concurrency on both sides. Threadline: a client starts bench.tiny with n
// items, a worker (2 threads) runs them in chunks; done when the job's record
// says so. Raw: addBulk of n jobs to a queue, a Worker with the same
// concurrency; done when n `completed` events have fired.
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis } from '@threadline/testing';
import { Queue, Worker } from 'bullmq';
import { jobUrl } from '../engine.js';
import type { Measure, MeasureContext } from '../measure.js';
import { type BenchRecord, record, unavailable } from '../record.js';
import { median, rotated } from '../stats.js';

interface BullmqBackend {
  createBullmqClient(options: {
    connection: string;
    registry: Record<string, string>;
    prefix?: string;
  }): Promise<{
    start(name: string, input: unknown): Promise<{ id: string }>;
    get(id: string): Promise<{ state: string; items: { succeeded: number } } | undefined>;
    close?(): Promise<void>;
  }>;
  runBullmqWorker(options: {
    connection: string;
    concurrency: number;
    registry: Record<string, string>;
    prefix?: string;
  }): Promise<{ close(): Promise<void> }>;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

async function loadBackend(): Promise<BullmqBackend | undefined> {
  try {
    const backend = (await import('@threadline/bullmq' as string)) as Partial<BullmqBackend>;
    return backend.createBullmqClient && backend.runBullmqWorker ? (backend as BullmqBackend) : undefined;
  } catch {
    return undefined;
  }
}

export async function measureBullmq(ctx: MeasureContext, options: { items: number; runs: number }) {
  const { items, runs } = options;
  const title = `BullMQ backend vs raw BullMQ, ${items / 1000}k no-op items`;
  const backend = await loadBackend();
  if (!backend) return [unavailable(8, title, 'not available yet', '@threadline/bullmq has not landed')];
  const redis = await startRedis();
  const registry = { 'bench.tiny': jobUrl('tiny') };
  const connection = redis.url;
  const client = await backend.createBullmqClient({ connection, registry });
  const worker = await backend.runBullmqWorker({ connection, registry, concurrency: ctx.threads });
  const queue = new Queue('raw-bench', { connection: { url: connection } });
  let completed = 0;
  let onCompleted: (() => void) | undefined;
  const raw = new Worker('raw-bench', async (job) => (job.data as { i: number }).i * 2, {
    connection: { url: connection },
    concurrency: ctx.threads,
  });
  raw.on('completed', () => {
    completed++;
    onCompleted?.();
  });

  const runThreadline = async (n: number) => {
    const job = await client.start('bench.tiny', { n });
    for (;;) {
      const snapshot = await client.get(job.id);
      if (snapshot && FINAL.has(snapshot.state)) {
        if (snapshot.state !== 'succeeded' || snapshot.items.succeeded !== n)
          throw new Error(`bullmq job ended ${snapshot.state} with ${snapshot.items.succeeded} of ${n}`);
        return;
      }
      await sleep(20);
    }
  };
  const runRaw = async (n: number) => {
    completed = 0;
    const all = new Promise<void>((resolve) => {
      onCompleted = () => {
        if (completed === n) resolve();
      };
    });
    for (let from = 0; from < n; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, n - from) }, (_, k) => ({
        name: 'tiny',
        data: { i: from + k },
        opts: { removeOnComplete: true },
      }));
      await queue.addBulk(batch);
    }
    await all;
  };
  const contenders: [string, (n: number) => Promise<void>][] = [
    ['threadline', runThreadline],
    ['raw', runRaw],
  ];
  const rates: Record<string, number[]> = { threadline: [], raw: [] };
  try {
    for (const [, run] of contenders) await run(Math.max(100, Math.floor(items / 10)));
    for (let round = 0; round < runs; round++) {
      for (const [name, run] of rotated(contenders, round)) {
        const started = performance.now();
        await run(items);
        const rate = items / ((performance.now() - started) / 1000);
        rates[name]!.push(rate);
        ctx.log(`bullmq ${name}: ${rate.toFixed(0)} items/s`);
      }
    }
  } finally {
    await Promise.allSettled([worker.close(), raw.close(), queue.close(), client.close?.()]);
    await redis.close();
  }
  const raw1 = median(rates.raw!);
  const records: BenchRecord[] = [
    record({
      measure: 8,
      name: title,
      unit: 'items/s',
      better: 'higher',
      threadline: median(rates.threadline!),
      peers: { 'raw BullMQ': raw1 },
      reference: { name: 'raw BullMQ', value: raw1 },
      goal: { on: 'ratio', op: '>=', target: 0.8, text: '≥ 0.8x raw BullMQ' },
      samples: runs,
      note: `concurrency ${ctx.threads} on both sides; raw = one BullMQ job per item (addBulk), processor in-process; threadline = chunks of items on a ${ctx.threads}-thread pool`,
    }),
  ];
  return records;
}

export const bullmq: Measure = {
  id: 'bullmq',
  number: 8,
  title: 'BullMQ backend vs raw BullMQ',
  run: (ctx) => measureBullmq(ctx, ctx.quick ? { items: 5000, runs: 1 } : { items: 20_000, runs: 3 }),
};
