// Retention: a deployment keeps the newest N finished jobs in Redis, with their
// keys and their events, so its memory stays bounded however many jobs it runs.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createBullmqClient, runBullmqWorker } from '../src/index.js';
import { keys } from '../src/store/keys.js';
import { deployment, follow, onCleanup, rawRedis, registry, startRedis } from './helpers.js';

describe('retention', () => {
  it('keeps only the newest maxJobs finished jobs, with their keys and global events', async () => {
    const redis = await startRedis();
    const retention = { maxJobs: 3 };
    const client = await createBullmqClient({ connection: redis.url, registry, retention });
    onCleanup(() => client.close());
    const worker = await runBullmqWorker({ connection: redis.url, registry, concurrency: 2, retention });
    onCleanup(() => worker.close());
    const raw = new Redis(redis.url);
    onCleanup(() => raw.disconnect());
    const k = keys();

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const job = await client.start('test.sleep', { items: 3, ms: 1, failEvery: 2 });
      await follow(client, job.id);
      ids.push(job.id);
    }
    const kept = ids.slice(3);
    expect((await client.list()).map((j) => j.id)).toEqual([...kept].reverse());
    for (const id of ids.slice(0, 3)) {
      expect(await client.get(id)).toBeUndefined();
      expect(await client.details(id)).toBeUndefined();
      expect(await raw.keys(`${k.job(id)}*`)).toEqual([]);
    }
    for (const id of kept) {
      expect((await client.details(id))!.failures.map((f) => f.index)).toEqual([1]);
      expect(await raw.exists(k.jobEvents(id))).toBe(1);
    }
    // The global stream starts at the oldest kept job's first event: `events({ after })` resumes from there.
    const firstEntry = async (key: string) => (await raw.xrange(key, '-', '+', 'COUNT', 1))[0]?.[0];
    const firstId = await firstEntry(k.events);
    expect(firstId).toBeDefined();
    const oldestKeptFirst = await firstEntry(k.jobEvents(kept[0]!));
    expect(firstId).toBe(oldestKeptFirst);
    const replay: string[] = [];
    const last = (await client.get(kept[2]!))!;
    for await (const event of client.events({ after: 0, signal: AbortSignal.timeout(5000) })) {
      replay.push(event.jobId);
      if (event.type === 'finished' && event.jobId === last.id) break;
    }
    expect(new Set(replay)).toEqual(new Set(kept));
  });

  it('removes finished jobs older than maxAgeMs with their keys, however few there are', async () => {
    const { redis, client } = await deployment({ worker: { retention: { maxAgeMs: 300 } } });
    const raw = rawRedis(redis.url);
    const k = keys();
    const first = await client.start('test.sleep', { items: 2, ms: 1 });
    await follow(client, first.id);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const second = await client.start('test.sleep', { items: 2, ms: 1 });
    await follow(client, second.id);
    // Pruned as the second finished: the first had finished more than 300 ms before.
    expect(await client.get(first.id)).toBeUndefined();
    expect(await raw.exists(...k.allOfJob(first.id))).toBe(0);
    expect((await client.get(second.id))?.state).toBe('succeeded');
  });

  it("caps a job's stream; a reader from a trimmed cursor gets the job's snapshot, then the rest, no error", async () => {
    const { redis, client } = await deployment({ worker: { retention: { maxJobEvents: 100 } } });
    const raw = rawRedis(redis.url);
    const job = await client.start('test.sleep', { items: 400, ms: 0, failEvery: 1 });
    await follow(client, job.id, () => {}, 120_000);
    const done = (await client.get(job.id))!;
    expect(done.state).toBe('failed');
    // 400 failed items are 400 events: the stream keeps about 100 (`~` trims whole nodes of 100).
    expect(await raw.xlen(keys().jobEvents(job.id))).toBeLessThanOrEqual(200);
    const seen = [];
    for await (const event of client.events({
      jobId: job.id,
      after: 0,
      signal: AbortSignal.timeout(10_000),
    })) {
      seen.push(event);
      if (event.type === 'finished') break;
    }
    expect(seen[0]).toMatchObject({
      type: 'queued',
      jobId: job.id,
      job: { id: job.id, state: 'failed', items: done.items },
    });
    expect(seen.at(-1)).toMatchObject({ type: 'finished', state: 'failed' });
    const seqs = seen.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seen.length).toBeLessThan(250);
  });
});
