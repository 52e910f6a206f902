import { NotFoundError, ValidationError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createBullmqClient, RedisUnavailableError, runBullmqWorker } from '../src/index.js';
import {
  deployment,
  follow,
  freePort,
  ofType,
  onCleanup,
  registry,
  startTarget,
  TARGETS,
} from './helpers.js';

describe('BullMQ client and an in-process worker', () => {
  it("fails an item that runs past the worker's item timeout, terminating a loop that never yields", async () => {
    const { client } = await deployment({ worker: { itemTimeoutMs: 300, graceMs: 200 } });
    const stuck = await client.start('test.sleep', { items: 2, ms: 600_000, cpu: true });
    await follow(client, stuck.id);
    const details = (await client.details(stuck.id))!;
    expect(details.job.items).toMatchObject({ failed: 2, succeeded: 0 });
    expect(details.failures.map((f) => f.error?.message)).toEqual([
      'timed out after 300 ms',
      'timed out after 300 ms',
    ]);
    // The terminated threads were replaced: the next job runs on them.
    const next = await client.start('test.sleep', { items: 4, ms: 5 });
    await follow(client, next.id);
    expect((await client.get(next.id))!.state).toBe('succeeded');
  });

  it('fails the items of a batch whose results cannot be cloned, with the reason, as in-process', async () => {
    const uncloneable = new URL('./fixtures/uncloneable.mjs', import.meta.url).href;
    const { client } = await deployment({ jobs: { ...registry, 'test.uncloneable': uncloneable } });
    const job = await client.start('test.uncloneable', { n: 3 });
    await follow(client, job.id);
    const done = (await client.get(job.id))!;
    expect(done.state).toBe('failed');
    expect(done.items).toMatchObject({ total: 3, failed: 3 });
    const details = (await client.details(job.id))!;
    expect(details.failures[0]!.error!.message).toMatch(/could not be cloned/);
  });

  it('rejects bad input and unknown jobs with the core error classes', async () => {
    const { client } = await deployment();
    await expect(client.start('test.sleep', { items: 'many' })).rejects.toBeInstanceOf(ValidationError);
    await expect(client.start('no.such.job', {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.cancel('j_missing')).rejects.toBeInstanceOf(NotFoundError);
    expect((await client.definitions()).map((d) => d.name)).toEqual(['test.sleep', 'test.tick']);
  });

  it('says clearly when Redis cannot be reached, for the client and the worker', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(createBullmqClient({ connection: url })).rejects.toThrow(RedisUnavailableError);
    await expect(runBullmqWorker({ connection: url, concurrency: 1 })).rejects.toThrow(
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/?: .*ECONNREFUSED/,
    );
  });
});

describe.each(TARGETS)('BullMQ client and an in-process worker on %s', (target) => {
  it('runs every item, summarizes, and numbers the events strictly increasing', async () => {
    const { client } = await deployment({ target });
    const job = await client.start('test.sleep', { items: 30, ms: 5, failEvery: 10 });
    expect(job.state).toBe('queued');
    const events = await follow(client, job.id);
    const done = (await client.get(job.id))!;
    // 3 of its 30 items failed: it ran to its end, but did not succeed.
    expect(done.state).toBe('partial');
    expect(done.error?.message).toMatch(/^3 of 30 items failed; first: /);
    expect(done.items).toEqual({ total: 30, succeeded: 27, failed: 3, cancelled: 0 });
    expect(done.summary).toMatchObject({ succeeded: 27, failed: 3 });
    expect(done.progress).toMatchObject({ done: 30, total: 30, fraction: 1 });
    expect(events[0]!.type).toBe('queued');
    expect(events[1]!.type).toBe('started');
    // As in-process: each failed item is an event of its own, successes are counted in `items` events.
    const itemEvents = ofType(events, 'item').sort((a, b) => a.index - b.index);
    expect(itemEvents.map((e) => [e.index, e.outcome])).toEqual([
      [9, 'failed'],
      [19, 'failed'],
      [29, 'failed'],
    ]);
    expect(ofType(events, 'items').reduce((sum, e) => sum + e.succeeded, 0)).toBe(27);
    expect(ofType(events, 'progress').length).toBeGreaterThan(0);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const details = (await client.details(job.id))!;
    expect(details.failures.map((f) => f.index)).toEqual([9, 19, 29]);
    expect(details.failures[0]!.error!.message).toBe('item 10 failed');
    expect(details.logs.map((l) => l.message)).toContain('first item done');
    expect((await client.list()).map((j) => j.id)).toEqual([job.id]);
    expect(await client.list({ state: 'running' })).toEqual([]);
  });

  it('resumes events after a cursor with nothing missed and nothing repeated', async () => {
    const { client } = await deployment({ target });
    const job = await client.start('test.sleep', { items: 20, ms: 5 });
    const all = await follow(client, job.id);
    const cut = all[Math.floor(all.length / 2)]!.seq;
    const rest: number[] = [];
    for await (const event of client.events({ after: cut, signal: AbortSignal.timeout(5000) })) {
      rest.push(event.seq);
      if (event.type === 'finished') break;
    }
    expect(rest).toEqual(all.filter((e) => e.seq > cut).map((e) => e.seq));
  });

  it('finds jobs by text and state, deletes one, and clears the rest', async () => {
    const { client } = await deployment({ target });
    const one = await client.start('test.sleep', { items: 2, ms: 7 });
    const two = await client.start('test.sleep', { items: 2, ms: 9, failEvery: 1 });
    await follow(client, one.id);
    await follow(client, two.id);
    const byText = await client.find!({ text: '"ms":9' });
    expect(byText.jobs.map((j) => j.id)).toEqual([two.id]);
    expect((await client.find!({ state: 'succeeded' })).jobs.map((j) => j.id)).toEqual([one.id]);
    expect((await client.find!()).counts).toMatchObject({ succeeded: 1, failed: 1 });
    await client.delete!(one.id);
    expect(await client.get(one.id)).toBeUndefined();
    expect(await client.clearFinished!()).toEqual({ deleted: 1 });
    expect(await client.list()).toEqual([]);
  });

  it('cancels a queued job at once and a running one within the grace period', async () => {
    const redis = await startTarget(target);
    const client = await createBullmqClient({ connection: redis.url, registry });
    onCleanup(() => client.close());
    // No worker yet: the job stays queued.
    const queued = await client.start('test.sleep', { items: 5 });
    expect((await client.cancel(queued.id)).state).toBe('cancelled');
    const worker = await runBullmqWorker({ connection: redis.url, registry, concurrency: 2, graceMs: 300 });
    onCleanup(() => worker.close());
    // CPU items never check for cancellation: only terminating their threads stops them.
    const job = await client.start('test.sleep', { items: 4, ms: 60_000, cpu: true });
    const started = Date.now();
    const events = await follow(client, job.id, async (event) => {
      if (event.type === 'progress' && event.progress.fraction && event.progress.fraction > 0) {
        await client.cancel(job.id, { reason: 'enough' });
      }
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    const finished = ofType(events, 'finished')[0]!;
    expect(finished.state).toBe('cancelled');
    expect(finished.items).toMatchObject({ total: 4, succeeded: 0, cancelled: 4 });
    expect(ofType(events, 'cancelling')[0]).toMatchObject({ reason: 'enough', force: false });
  });

  it('terminates the threads of a forced cancel at once, without waiting for the grace period', async () => {
    const redis = await startTarget(target);
    const client = await createBullmqClient({ connection: redis.url, registry });
    onCleanup(() => client.close());
    const worker = await runBullmqWorker({
      connection: redis.url,
      registry,
      concurrency: 2,
      graceMs: 60_000,
    });
    onCleanup(() => worker.close());
    const job = await client.start('test.sleep', { items: 2, ms: 60_000, cpu: true });
    let cancelledAt = 0;
    const events = await follow(client, job.id, async (event) => {
      if (event.type === 'progress' && !cancelledAt && (event.progress.fraction ?? 0) > 0) {
        cancelledAt = Date.now();
        await client.cancel(job.id, { force: true });
      }
    });
    const finished = ofType(events, 'finished')[0]!;
    expect(finished.state).toBe('cancelled');
    expect(finished.at - cancelledAt).toBeLessThan(2000);
    expect(ofType(events, 'cancelling')[0]).toMatchObject({ force: true });
    // The pool replaced the terminated threads and takes new work.
    const next = await client.start('test.sleep', { items: 4, ms: 1 });
    expect(ofType(await follow(client, next.id), 'finished')[0]!.state).toBe('succeeded');
  });
});
