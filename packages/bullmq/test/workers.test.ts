// Workers that lack a job, and the workers a deployment can see: each worker
// advertises its host and jobs under a key its heartbeat keeps alive.

import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createBullmqClient, runBullmqWorker } from '../src/index.js';
import { ITEMS_QUEUE, keys } from '../src/store/keys.js';
import { follow, ofType, onCleanup, registry, spawnWorker, startRedis } from './helpers.js';

/** A registry without test.sleep: a worker started with it lacks the job the tests start. */
const tickOnly = { 'test.tick': registry['test.tick'] };

async function deployment() {
  const redis = await startRedis();
  const client = await createBullmqClient({ connection: redis.url, registry });
  onCleanup(() => client.close());
  const worker = (jobs: Record<string, string>, concurrency = 1, heartbeatMs?: number) =>
    runBullmqWorker({
      connection: redis.url,
      registry: jobs,
      concurrency,
      tickMs: 50,
      ...(heartbeatMs !== undefined ? { heartbeatMs } : {}),
    }).then((w) => {
      onCleanup(() => w.close());
      return w;
    });
  return { redis, client, worker };
}

/** Polls until `check` holds, or fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('a worker that lacks the job', () => {
  it('fails the job it enumerates, naming the job and its host', async () => {
    const { client, worker } = await deployment();
    const lacking = await worker(tickOnly);
    const job = await client.start('test.sleep', { items: 3, ms: 1 });
    const finished = ofType(await follow(client, job.id), 'finished')[0]!;
    expect(finished.state).toBe('failed');
    const stored = (await client.get(job.id))!;
    expect(stored.state).toBe('failed');
    expect(stored.error!.code).toBe('NOT_FOUND');
    expect(stored.error!.message).toBe(
      `worker on ${hostname()} (${lacking.id}) has no job "test.sleep"; its jobs: test.tick. ` +
        "Add the job to that machine's threadline.config",
    );
    expect(stored.error!.message).toContain(hostname());
    expect(lacking.host).toBe(hostname());
  });

  it('fails the items it takes of a job another worker enumerated, and the job ends failed', async () => {
    const { client, worker } = await deployment();
    const having = await worker(registry, 1);
    // Keeps the one thread of the worker that has the job busy, so the other takes the next chunk.
    const blocker = await client.start('test.sleep', { items: 1, ms: 60_000 });
    const blocked = follow(client, blocker.id);
    await eventually(async () => ((await client.get(blocker.id))?.progress.fraction ?? 0) > 0);
    const job = await client.start('test.sleep', { items: 1, ms: 1 });
    // Enumerated by the worker that has it: its one chunk waits on the items queue.
    await eventually(async () => (await client.get(job.id))?.items.total === 1);
    const lacking = await worker(tickOnly);
    const finished = ofType(await follow(client, job.id), 'finished')[0]!;
    expect(finished.state).toBe('failed');
    expect(finished.items).toEqual({ total: 1, succeeded: 0, failed: 1, cancelled: 0 });
    const details = (await client.details(job.id))!;
    expect(details.job.state).toBe('failed');
    expect(details.job.error!.message).toContain('"test.sleep"');
    expect(details.job.error!.message).toContain(`worker on ${hostname()} (${lacking.id})`);
    expect(details.failures[0]!.error!.message).toBe(details.job.error!.message);
    expect(having.id).not.toBe(lacking.id);
    await client.cancel(blocker.id);
    expect(ofType(await blocked, 'finished')[0]!.state).toBe('cancelled');
  });
});

describe('connected workers', () => {
  it('definitions() names the workers that have each job; a closed worker is gone at once', async () => {
    const { client, worker } = await deployment();
    const both = await worker(registry, 2);
    const tick = await worker(tickOnly);
    const byName = async () =>
      Object.fromEntries((await client.definitions()).map((d) => [d.name, d.workers]));
    const host = hostname();
    const sorted = [both, tick].map((w) => ({ id: w.id, host })).sort((a, b) => a.id.localeCompare(b.id));
    expect(await byName()).toEqual({ 'test.sleep': [{ id: both.id, host }], 'test.tick': sorted });

    const listed = (await client.workers()).workers;
    expect(listed.map((w) => w.id)).toEqual(sorted.map((w) => w.id));
    expect(listed.find((w) => w.id === both.id)).toMatchObject({
      host,
      pid: process.pid,
      threads: 2,
      jobs: ['test.sleep', 'test.tick'],
    });
    expect(listed.find((w) => w.id === tick.id)).toMatchObject({ threads: 1, jobs: ['test.tick'] });
    for (const w of listed) expect(w.seenAt).toBeGreaterThanOrEqual(w.startedAt);

    await tick.close();
    expect(await byName()).toEqual({
      'test.sleep': [{ id: both.id, host }],
      'test.tick': [{ id: both.id, host }],
    });
    await both.close();
    expect(await byName()).toEqual({ 'test.sleep': [], 'test.tick': [] });
    expect((await client.workers()).workers).toEqual([]);
  });

  it('a SIGKILLed worker drops out once its advertisement expires; a live one is kept by its heartbeat', async () => {
    const { redis, client } = await deployment();
    // Heartbeat every 200 ms: the advertisement lives 600 ms unless refreshed.
    const child = await spawnWorker(redis.url, { HEARTBEAT_MS: '200' });
    const pids = async () => (await client.workers()).workers.map((w) => w.pid);
    expect(await pids()).toEqual([child.pid]);
    await sleep(1500);
    expect(await pids()).toEqual([child.pid]);
    expect((await client.definitions()).find((d) => d.name === 'test.sleep')!.workers).toHaveLength(1);
    await child.kill('SIGKILL');
    const killedAt = Date.now();
    await eventually(async () => (await pids()).length === 0, 5000);
    expect(Date.now() - killedAt).toBeLessThan(3000);
    expect((await client.definitions()).map((d) => d.workers)).toEqual([[], []]);
  });
});

describe('items done per worker', () => {
  it('counts the items that ran to their end on a worker, failed ones too, by its next heartbeat', async () => {
    const { client, worker } = await deployment();
    const heartbeatMs = 500;
    const w = await worker(registry, 2, heartbeatMs);
    expect((await client.workers()).workers).toMatchObject([{ id: w.id, itemsDone: 0 }]);
    const job = await client.start('test.sleep', { items: 50, ms: 1, failEvery: 10 });
    const finished = ofType(await follow(client, job.id), 'finished')[0]!;
    expect(finished.items).toEqual({ total: 50, succeeded: 45, failed: 5, cancelled: 0 });
    // A heartbeat is due within 500 ms of the finish; the limit is generous for a loaded machine.
    await eventually(async () => (await client.workers()).workers[0]?.itemsDone === 50, 40 * heartbeatMs);
    expect((await client.workers()).workers).toMatchObject([{ id: w.id, itemsDone: 50 }]);
  });
});

describe('a worker taking chunks ahead', () => {
  it('while chunks run short; one its thread has no room for goes back to the queue, and another worker runs it', async () => {
    const { redis, client, worker } = await deployment();
    const items = new Queue(ITEMS_QUEUE, { connection: { url: redis.url }, prefix: keys().bullPrefix });
    onCleanup(() => items.close());
    const first = await worker(registry, 1);
    // Short chunks: it takes one more than it has threads.
    await follow(client, (await client.start('test.sleep', { items: 40, ms: 0 })).id);
    const long = await client.start('test.sleep', { items: 1, ms: 5_000 });
    await eventually(async () => first.pool.busyCount === 1);
    const next = await client.start('test.sleep', { items: 1, ms: 1 });
    const chunk = `${next.id}-0`;
    await eventually(async () =>
      (await items.getActive()).some((j) => j.id === chunk && j.processedBy === first.id),
    );
    // Taken, but not run: its job has not started.
    expect((await client.get(next.id))!.state).toBe('queued');
    const second = await worker(registry, 1);
    const finished = ofType(await follow(client, next.id), 'finished')[0]!;
    expect(finished.state).toBe('succeeded');
    // Run by the second worker while the first's thread still runs the long item.
    expect((await client.get(long.id))!.state).toBe('running');
    expect((await items.getJob(chunk))?.processedBy).toBe(second.id);
  });
});
