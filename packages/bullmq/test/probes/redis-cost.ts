// What one job costs its Redis, for the docs (issue 20): run it with
//   node --import tsx test/probes/redis-cost.ts [items=1000000] [cluster]
// One n-item bench.tiny job (no-op items, no summarize) on a fresh redis-server (or a
// three-master cluster), a client and an in-process worker of 2 threads; it prints Redis
// commands and CPU per item (INFO commandstats), peak memory while it ran, the bytes its
// keys keep once finished (MEMORY USAGE), and what SLOWLOG caught over 10 ms.
import { startRedis, startRedisCluster } from '@threadline/testing';
import { Cluster, Redis } from 'ioredis';
import { createBullmqClient, runBullmqWorker } from '../../src/index.js';
import { keys } from '../../src/store/keys.js';

const n = Number(process.argv[2] ?? 1_000_000);
const onCluster = process.argv[3] === 'cluster';
const registry = { 'bench.tiny': new URL('../../../../bench/src/jobs/tiny.js', import.meta.url).href };
const k = keys();

const server = onCluster ? await startRedisCluster() : await startRedis();
const raw = onCluster
  ? new Cluster((server as { nodes: { host: string; port: number }[] }).nodes)
  : new Redis(server.url);
// The shard that holds the deployment's slot: every key of it is there.
const shard = raw instanceof Cluster ? await shardOf(raw, k.seq) : raw;
await shard.config('SET', 'slowlog-log-slower-than', '10000');
await shard.config('SET', 'slowlog-max-len', '1024');
const client = await createBullmqClient({ connection: server.url, registry });
const worker = await runBullmqWorker({ connection: server.url, registry, concurrency: 2 });
const usedMemory = async () => Number(/^used_memory:(\d+)/m.exec(await shard.info('memory'))?.[1]);
const baseline = await usedMemory();
await shard.config('RESETSTAT');
await shard.slowlog('RESET');
const before = cpuUs(await shard.info('cpu'));
const started = performance.now();
const job = await client.start('bench.tiny', { n });
let peak = 0;
for (;;) {
  const memory = Number(/^used_memory:(\d+)/m.exec(await shard.info('memory'))?.[1]);
  peak = Math.max(peak, memory);
  const snapshot = await client.get(job.id);
  if (snapshot && ['succeeded', 'partial', 'failed', 'cancelled'].includes(snapshot.state)) {
    if (snapshot.state !== 'succeeded') throw new Error(`the job ended ${snapshot.state}`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const seconds = (performance.now() - started) / 1000;
const cpu = cpuUs(await shard.info('cpu')) - before;
const stats = parseCommandstats(await shard.info('commandstats'));
let bytes = 0;
const byKey: string[] = [];
for (const key of k.allOfJob(job.id)) {
  const b = (await shard.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
  if (b === null) continue;
  bytes += b;
  byKey.push(`${key.slice(k.job(job.id).length) || 'hash'} ${(b / 1024).toFixed(1)} KiB`);
}
const events = (await shard.call('MEMORY', 'USAGE', k.events, 'SAMPLES', '0')) as number;
// Everything the job left: its keys, its share of the global stream, BullMQ's completed chunks.
const grown = (await usedMemory()) - baseline;
const slow = (await shard.slowlog('GET', 1024)) as [number, number, number, string[]][];
const calls = [...stats.values()].reduce((sum, s) => sum + s.calls, 0);
console.log(`${n} items${onCluster ? ' on a 3-master cluster' : ''}: ${(n / seconds).toFixed(0)} items/s`);
console.log(
  `Redis: ${(calls / n).toFixed(3)} commands per item, ${(cpu / n).toFixed(1)} µs CPU per item (used_cpu_sys+user)`,
);
const top = [...stats].sort((a, b) => b[1].usec - a[1].usec).slice(0, Number(process.env.TOP ?? 8));
console.log(
  `  by command: ${top.map(([c, s]) => `${c} ${(s.calls / n).toFixed(3)}/item ${(s.usec / n).toFixed(1)} µs`).join('; ')}`,
);
console.log(`peak used_memory while running: ${(peak / 1e6).toFixed(1)} MB`);
console.log(`used_memory once finished, less before it started: ${(grown / 1e6).toFixed(2)} MB`);
console.log(
  `finished job's keys: ${(bytes / 1e6).toFixed(2)} MB (${byKey.join(', ')}); the global stream: ${(events / 1e6).toFixed(2)} MB`,
);
console.log(
  `SLOWLOG over 10 ms: ${slow.length}${
    slow.length
      ? `, slowest: ${[...slow]
          .sort((a, b) => b[2] - a[2])
          .slice(0, 5)
          .map(([, , us, args]) => `${(us / 1000).toFixed(1)} ms ${args.slice(0, 3).join(' ')}`)
          .join('; ')}`
      : ''
  }`,
);
await worker.close();
await client.close();
raw.disconnect();
if (shard !== raw) shard.disconnect();
await server.close();

function cpuUs(info: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1e6;
}

function parseCommandstats(info: string): Map<string, { calls: number; usec: number }> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of info.matchAll(/^cmdstat_(\S+):calls=(\d+),usec=(\d+)/gm))
    stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
}

async function shardOf(cluster: Cluster, key: string): Promise<Redis> {
  const slot = (await cluster.cluster('KEYSLOT', key)) as number;
  const ranges = await cluster.cluster('SLOTS');
  const [, , master] = ranges.find(([from, to]) => slot >= from && slot <= to)!;
  return new Redis({ host: master![0], port: master![1] });
}
