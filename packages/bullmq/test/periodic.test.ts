// Periodic jobs (`every`) over BullMQ: each run is its own job, the next one recorded as
// the previous finishes and queued as a delayed control job; cancelling any run stops it.
import type { JobClient, JobEvent } from '@threadline/core';
import { until } from '@threadline/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createBullmqClient, runBullmqWorker } from '../src/index.js';
import { type EnumerateData, RunQueue } from '../src/runs.js';
import { keys } from '../src/store/keys.js';
import { RedisStore } from '../src/store/store.js';
import {
  follow,
  followAll,
  ofType,
  onCleanup,
  pendingControlJobs,
  registry,
  spawnWorker,
  startRedis,
  startTarget,
  TARGETS,
} from './helpers.js';

const runsOf = (events: JobEvent[], scheduleId: string | null) =>
  ofType(events, 'queued').filter((e) => e.job.scheduleId === scheduleId);

async function queuedRuns(client: JobClient, scheduleId: string | null) {
  return (await client.list({ state: 'queued' })).filter((j) => j.scheduleId === scheduleId);
}

async function clientOn(url: string) {
  const client = await createBullmqClient({ connection: url, registry });
  onCleanup(() => client.close());
  return client;
}

describe.each(TARGETS)('periodic jobs on %s', (target) => {
  it('runs every second on a worker process and stops when its queued run is cancelled', async () => {
    const redis = await startTarget(target);
    const client = await clientOn(redis.url);
    const worker = await spawnWorker(redis.url);
    const first = await client.start('test.sleep', { items: 2, ms: 20 }, { every: '1s' });
    const sid = first.scheduleId;
    expect(sid).toMatch(/^s_/);
    const events = await followAll(client, (_, seen) => runsOf(seen, sid).length === 3);
    const [one, two, three] = runsOf(events, sid).map((e) => e.job);
    const finished = ofType(events, 'finished');
    for (const run of [one!, two!]) {
      expect(finished.find((e) => e.jobId === run.id)).toMatchObject({ state: 'succeeded' });
      const done = (await client.get(run.id))!;
      expect(done.scheduleId).toBe(sid);
      expect(Object.keys((done.summary as { byPid: object }).byPid)).toEqual([String(worker.pid)]);
    }
    // Each next run is due a period after its predecessor started, and starts no sooner.
    const [doneOne, doneTwo] = [(await client.get(one!.id))!, (await client.get(two!.id))!];
    expect(two!.runAt).toBeGreaterThanOrEqual(doneOne.startedAt! + 1000);
    expect(doneTwo.startedAt!).toBeGreaterThanOrEqual(two!.runAt!);
    expect(three).toMatchObject({ state: 'queued', scheduleId: sid, input: first.input });
    expect(three!.runAt).toBeGreaterThanOrEqual(doneTwo.startedAt! + 1000);
    expect((await queuedRuns(client, sid)).map((j) => j.id)).toEqual([three!.id]);
    expect(await pendingControlJobs(redis.url)).toEqual({ delayed: 1, waiting: 0 });

    expect((await client.cancel(three!.id)).state).toBe('cancelled');
    expect(await queuedRuns(client, sid)).toEqual([]);
    expect(await pendingControlJobs(redis.url)).toEqual({ delayed: 0, waiting: 0 });
  });

  it('lists a schedule with its running run; removing it lets that run end and queues none after', async () => {
    const redis = await startTarget(target);
    const client = await clientOn(redis.url);
    const worker = await runBullmqWorker({ connection: redis.url, registry, concurrency: 1 });
    onCleanup(() => worker.close());
    const job = await client.start('test.sleep', { items: 2, ms: 800 }, { every: '1s' });
    const running = await until(async () => {
      const found = await client.get(job.id);
      return found?.state === 'running' && found.startedAt !== null ? found : undefined;
    }, 'the first run running');
    expect(await client.schedules()).toEqual([
      {
        id: job.scheduleId,
        name: 'test.sleep',
        title: 'Sleep (test)',
        input: job.input,
        every: '1s',
        paused: false,
        nextRunAt: running.startedAt! + 1000,
        lastJobId: job.id,
        // The first run is still running: none has finished.
        lastFinished: null,
        createdAt: expect.any(Number),
      },
    ]);
    // Another deployment on the same Redis has schedules of its own.
    const other = await createBullmqClient({ connection: redis.url, registry, prefix: 'other' });
    onCleanup(() => other.close());
    expect(await other.schedules()).toEqual([]);

    await client.removeSchedule(job.scheduleId!);
    expect(await client.schedules()).toEqual([]);
    const events = await follow(client, job.id);
    expect(ofType(events, 'finished')[0]!.state).toBe('succeeded');
    expect(await queuedRuns(client, job.scheduleId)).toEqual([]);
    expect(await pendingControlJobs(redis.url)).toEqual({ delayed: 0, waiting: 0 });
    await expect(client.removeSchedule(job.scheduleId!)).rejects.toThrow(
      `no schedule with id ${job.scheduleId}`,
    );
  });
});

describe('periodic jobs', () => {
  it('stops the schedule when a running run is cancelled: no next run, no delayed job', async () => {
    const redis = await startRedis();
    const client = await clientOn(redis.url);
    await spawnWorker(redis.url);
    const job = await client.start('test.sleep', { items: 2, ms: 10_000 }, { every: '1s' });
    const events = await follow(client, job.id, async (event) => {
      if (event.type === 'progress' && (event.progress.fraction ?? 0) > 0) await client.cancel(job.id);
    });
    expect(ofType(events, 'finished')[0]!.state).toBe('cancelled');
    // The next run would have been recorded with the finish, in the same step: there is none.
    expect(await queuedRuns(client, job.scheduleId)).toEqual([]);
    expect(await pendingControlJobs(redis.url)).toEqual({ delayed: 0, waiting: 0 });
  });

  it('starts a definition with its own every (like model.train) through the client', async () => {
    const redis = await startRedis();
    const client = await clientOn(redis.url);
    const worker = await runBullmqWorker({ connection: redis.url, registry, concurrency: 1 });
    onCleanup(() => worker.close());
    const job = await client.start('test.tick', {});
    expect(job).toMatchObject({ state: 'queued', unit: 'epochs', runAt: null });
    expect(job.scheduleId).toMatch(/^s_/);
    const events = await follow(client, job.id);
    expect(ofType(events, 'finished')[0]!.state).toBe('succeeded');
    // As `threadline run` looks for it: queued the moment its predecessor finished.
    const [next] = await queuedRuns(client, job.scheduleId);
    const done = (await client.get(job.id))!;
    expect(next).toMatchObject({ name: 'test.tick', unit: 'epochs', state: 'queued', input: job.input });
    expect(next!.input).toEqual({ ms: 20, tags: [], options: {}, big: 1234567890123456 });
    expect(next!.runAt).toBeGreaterThanOrEqual(done.startedAt! + 1000);
    const seen = await followAll(client, (e) => e.type === 'queued' && e.jobId === next!.id);
    expect(seen.at(-1)).toMatchObject({ job: { id: next!.id, runAt: next!.runAt, state: 'queued' } });

    // As `threadline run` does on Ctrl+C: a cancel fired, not awaited, then the client closed.
    const other = await createBullmqClient({ connection: redis.url, registry });
    const cancelling = other.cancel(next!.id);
    await other.close();
    expect((await cancelling).state).toBe('cancelled');
    expect(await queuedRuns(client, job.scheduleId)).toEqual([]);
    expect(await pendingControlJobs(redis.url)).toEqual({ delayed: 0, waiting: 0 });
  });

  it('records one next run however often a crashed finisher is retried, and a sweep queues it', async () => {
    const redis = await startRedis();
    const client = await clientOn(redis.url);
    // No worker: this test plays the finisher by hand, dying between finishing and queuing.
    const job = await client.start('test.tick', {});
    const raw = new Redis(redis.url, { maxRetriesPerRequest: null });
    const control = new Queue<EnumerateData>('control', { connection: raw, prefix: keys().bullPrefix });
    onCleanup(async () => {
      await control.close();
      raw.disconnect();
    });
    const store = new RedisStore(raw);
    const runs = new RunQueue(store, control);
    // Taken by the "worker": its control job is done with.
    await control.remove(job.id);
    // Begun, it stays queued until a worker claims its first chunk; finished from there, it starts as it ends.
    expect(await store.begin(job.id)).toBe('queued');
    const first = await store.finish(job.id, job.scheduleId, 'succeeded', null, null, 'j_next1');
    expect(first).toMatchObject({ finished: true, next: { id: 'j_next1' } });
    // The retry after the crash: the run is final, so nothing is recorded twice.
    expect(await store.finish(job.id, job.scheduleId, 'succeeded', null, null, 'j_next2')).toEqual({
      finished: false,
      next: null,
    });
    expect((await queuedRuns(client, job.scheduleId)).map((j) => j.id)).toEqual(['j_next1']);
    expect(await store.stranded(Number.MAX_SAFE_INTEGER)).toEqual(['j_next1']);
    expect(await pendingControlJobs(redis.url)).toEqual({ delayed: 0, waiting: 0 });

    await runs.recover(0);
    await runs.recover(0);
    expect(await store.stranded(Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(await pendingControlJobs(redis.url)).toEqual({ delayed: 1, waiting: 0 });
    expect((await control.getJob('j_next1'))?.delay).toBeGreaterThan(0);
  });
});
