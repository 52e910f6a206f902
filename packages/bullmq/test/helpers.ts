import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobClient, JobEvent } from '@threadline/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';

export const registry = {
  'test.sleep': new URL('./fixtures/sleep.mjs', import.meta.url).href,
  'test.tick': new URL('./fixtures/tick.mjs', import.meta.url).href,
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
export const onCleanup = (cleanup: () => Promise<void> | void) => cleanups.push(cleanup);

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-bullmq-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves with the first line of the child's stdout matching `pattern`; rejects if it exits first. */
function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 20_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}${err}`)), timeoutMs);
    child.stderr?.on('data', (data: Buffer) => {
      err += data.toString();
    });
    child.stdout?.on('data', (data: Buffer) => {
      out += data.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready: ${out}${err}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A real redis-server on a free port, its files in a temp dir; stopped after the test. */
export async function startRedis(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
      args.push('--appendonly', options.appendonly ? 'yes' : 'no');
      child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForLine(child, /Ready to accept connections/, 'redis-server');
    },
    async stop() {
      if (!child) return;
      const stopping = child;
      child = undefined;
      stopping.kill('SIGTERM');
      await exited(stopping);
    },
  };
  await server.start();
  onCleanup(() => server.stop());
  return server;
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
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('control', { connection: redis, prefix: 'threadline:bull' });
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
