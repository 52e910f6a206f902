// Redis CPU per chunk of each step, measured apart (issue 20's cost): run it with
//   node --import tsx test/probes/script-cost.ts [chunks=1000]
import { startRedis } from '@threadline/testing';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RETRY } from '../../src/store/keys.js';
import { RedisStore } from '../../src/store/store.js';

const chunks = Number(process.argv[2] ?? 1000);
const server = await startRedis();
const redis = new Redis(server.url);
const cpuUs = async () => {
  const text = await redis.info('cpu');
  const f = (n: string) => Number(new RegExp(`^${n}:([0-9.]+)`, 'm').exec(text)?.[1]);
  return (f('used_cpu_sys') + f('used_cpu_user')) * 1e6;
};
async function cost(label: string, body: () => Promise<void>) {
  await redis.config('RESETSTAT');
  const before = await cpuUs();
  await body();
  const us = (await cpuUs()) - before;
  const stats = await redis.info('commandstats');
  const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats);
  if (process.env.ALL_STATS)
    for (const m of stats.matchAll(/^cmdstat_(\S+):calls=(\d+),usec=(\d+)/gm))
      console.log(
        `    ${m[1]} ${(Number(m[2]) / chunks).toFixed(2)}/chunk ${(Number(m[3]) / chunks).toFixed(1)} µs/chunk`,
      );
  console.log(
    `${label.padEnd(44)} ${(us / chunks).toFixed(0).padStart(5)} µs/chunk (CPU)  evalsha ${evalsha ? `${evalsha[1]} calls ${(Number(evalsha[2]) / chunks).toFixed(0)} µs/chunk` : '-'}`,
  );
}
const items = (start: number) => Array.from({ length: 32 }, (_, j) => start + j);

async function rawChunked(name: string, opts: object, ret: (items: number[]) => unknown) {
  const q = new Queue(name, { connection: { url: server.url } });
  let done = 0;
  let resolve!: () => void;
  const all = new Promise<void>((r) => (resolve = r));
  const w = new Worker(name, async (job) => ret((job.data as { items: number[] }).items), {
    connection: { url: server.url },
    concurrency: 2,
    autorun: false,
  });
  w.on('completed', () => {
    if (++done === chunks) resolve();
  });
  const jobs = Array.from({ length: chunks }, (_, c) => ({
    name: 'tiny',
    data: { start: c * 32, items: items(c * 32) },
    opts,
  }));
  await cost(`${name}: addBulk`, async () => {
    for (let i = 0; i < jobs.length; i += 32) await q.addBulk(jobs.slice(i, i + 32));
  });
  await cost(`${name}: process`, async () => {
    void w.run();
    await all;
  });
  await w.close();
  await q.close();
}

await rawChunked('peer', { removeOnComplete: true }, (xs) => xs.map((i) => i * 2));
await rawChunked(
  'threadline-opts',
  { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 86400, count: 1000 }, ...RETRY },
  (xs) => ({ items: xs.length, succeeded: xs.length, failed: 0, cancelled: 0 }),
);

const store = new RedisStore(redis);
const jobId = 'j_probe';
await redis.hset(
  store.keys.job(jobId),
  'state',
  'running',
  'enumerated',
  chunks * 32,
  'enumDone',
  1,
  'succeeded',
  0,
  'failed',
  0,
  'cancelled',
  0,
);
await cost('claim.lua (a redelivered chunk)', async () => {
  for (let c = 0; c < chunks; c++) await store.claim(jobId, c * 32);
});
const successes = (start: number) =>
  items(start).map((index) => ({ index, outcome: 'succeeded' as const, result: '', event: {} as never }));
await cost('record.lua (one 32-item chunk a call)', async () => {
  for (let c = 0; c < chunks; c++)
    await store.record(jobId, 'w1', [{ start: c * 32, items: successes(c * 32) }]);
});
await cost('record.lua (two chunks a call)', async () => {
  const base = chunks * 32;
  for (let c = 0; c < chunks; c += 2)
    await store.record(jobId, 'w1', [
      { start: base + c * 32, items: successes(base + c * 32) },
      { start: base + (c + 1) * 32, items: successes(base + (c + 1) * 32) },
    ]);
});
await cost('empty EVAL', async () => {
  for (let c = 0; c < chunks; c++) await redis.eval('return 1', 0);
});
await redis.quit();
await server.close();
