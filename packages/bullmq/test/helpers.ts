import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobClient, JobEvent } from '@threadline/core';
import {
  cleanupStack,
  exited,
  type RedisServer,
  startRedisCluster,
  startRedis as startRedisServer,
  waitForLine,
} from '@threadline/testing';
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { type BullmqWorkerOptions, createBullmqClient, runBullmqWorker } from '../src/index.js';
import { keys } from '../src/store/keys.js';

export { freePort } from '@threadline/testing';

export const registry = {
  'test.sleep': new URL('./fixtures/sleep.mjs', import.meta.url).href,
  'test.tick': new URL('./fixtures/tick.mjs', import.meta.url).href,
};

const cleanups = cleanupStack();
afterEach(cleanups.run);
export const onCleanup = cleanups.add;

export const tempDir = (): string => cleanups.tempDir('bullmq');

/** A real redis-server on a free port, its files in a temp dir; closed after the test. */
export async function startRedis(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const server = await startRedisServer(options);
  onCleanup(() => server.close());
  return server;
}

/**
 * Where the backend's main tests run: one redis-server, and a real three-master Redis Cluster
 * on loopback ports (every key of a deployment under one hash tag, so its scripts run there).
 * A `describe.each(TARGETS)` runs a suite on both.
 */
export const TARGETS = ['redis-server', 'cluster'] as const;
export type Target = (typeof TARGETS)[number];

/** A Redis of the target's kind, closed after the test; `url` is what a client or worker is given. */
export async function startTarget(target: Target): Promise<{ url: string }> {
  if (target === 'redis-server') return startRedis();
  const cluster = await startRedisCluster();
  onCleanup(() => cluster.close());
  return cluster;
}

/** A connection for a test's own look at the target's keys (a Cluster routes each key to its shard). */
export function rawRedis(url: string): Redis | Cluster {
  const redis = url.startsWith('redis+cluster://')
    ? new Cluster(
        url
          .slice('redis+cluster://'.length)
          .split(',')
          .map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })),
        { redisOptions: { maxRetriesPerRequest: null } },
      )
    : new Redis(url, { maxRetriesPerRequest: null });
  onCleanup(() => redis.disconnect());
  return redis;
}

/** Each line of the mark file is one real completion of an item: `index pid`. */
export function completions(markFile: string): { index: number; pid: number; attempt: number }[] {
  let text = '';
  try {
    text = readFileSync(markFile, 'utf8');
  } catch {}
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [index, pid, attempt] = line.split(' ').map(Number);
      return { index: index!, pid: pid!, attempt: attempt! };
    });
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const workerMain = fileURLToPath(new URL('./fixtures/worker-main.ts', import.meta.url));

/** A worker in its own process (`node --import tsx`), killed after the test if still running. */
export async function spawnWorker(url: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerMain], {
    env: { ...process.env, REDIS_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker: WorkerProcess = {
    child,
    pid: child.pid!,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
  onCleanup(() => worker.kill());
  await waitForLine(child, /^ready /, 'worker');
  return worker;
}

/** Follows a job's events from the start, calling `onEvent`, until it finishes. */
export async function follow(
  client: JobClient,
  jobId: string,
  onEvent: (event: JobEvent) => void | Promise<void> = () => {},
  timeoutMs = 45_000,
): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  const signal = AbortSignal.timeout(timeoutMs);
  for await (const event of client.events({ jobId, after: 0, signal })) {
    events.push(event);
    await onEvent(event);
    if (event.type === 'finished') return events;
  }
  const job = await client.get(jobId);
  throw new Error(
    `job ${jobId} did not finish in ${timeoutMs} ms: ${JSON.stringify(job?.items)} ${job?.state}`,
  );
}

export const ofType = <T extends JobEvent['type']>(
  events: JobEvent[],
  type: T,
): Extract<JobEvent, { type: T }>[] =>
  events.filter((e): e is Extract<JobEvent, { type: T }> => e.type === type);

/** Control jobs of the deployment still due to run: delayed (a schedule's next run) and waiting. */
export async function pendingControlJobs(url: string): Promise<{ delayed: number; waiting: number }> {
  const redis = rawRedis(url);
  const queue = new Queue('control', { connection: redis, prefix: keys().bullPrefix });
  try {
    const counts = await queue.getJobCounts('delayed', 'waiting', 'prioritized');
    return { delayed: counts.delayed ?? 0, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/**
 * Follows every event of the deployment from the start until `until` returns true for one,
 * and returns the events seen.
 */
export async function followAll(
  client: JobClient,
  until: (event: JobEvent, seen: JobEvent[]) => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<JobEvent[]> {
  const seen: JobEvent[] = [];
  for await (const event of client.events({ after: 0, signal: AbortSignal.timeout(timeoutMs) })) {
    seen.push(event);
    if (await until(event, seen)) return seen;
  }
  throw new Error(`the awaited event did not come in ${timeoutMs} ms: ${JSON.stringify(seen.at(-1))}`);
}

/**
 * One deployment on a fresh redis-server (or cluster): a client, an in-process worker (2 threads),
 * and BullMQ's own view of the items queue, all closed after the test.
 */
export async function deployment(
  options: { jobs?: Record<string, string>; worker?: Partial<BullmqWorkerOptions>; target?: Target } = {},
) {
  const jobs = options.jobs ?? registry;
  const redis = await startTarget(options.target ?? 'redis-server');
  const client = await createBullmqClient({ connection: redis.url, registry: jobs });
  onCleanup(() => client.close());
  const worker = await runBullmqWorker({
    connection: redis.url,
    registry: jobs,
    concurrency: 2,
    tickMs: 50,
    ...options.worker,
  });
  onCleanup(() => worker.close());
  const connection = rawRedis(redis.url);
  const items = new Queue('items', { connection, prefix: keys().bullPrefix });
  onCleanup(() => items.close());
  return { redis, client, worker, items };
}
