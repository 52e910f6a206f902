// The router against the in-process engine, called directly (no HTTP).
import type { JobClient, JobEvent } from '@threadline/core';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { createAppRouter } from '../src/index.js';
import { openEngine } from './helpers.js';

async function setup() {
  const engine = await openEngine();
  const caller = createAppRouter(engine).createCaller({});
  return { engine, caller };
}

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe('jobs router', () => {
  it('finds and deletes through a backend that has them, and refuses them in words on one that has not', async () => {
    const { engine, caller } = await setup();
    const done = await engine.waitFor((await engine.start('test.sleep', { items: 1, ms: 0 })).id);
    const found = await caller.jobs.find({ state: 'succeeded', text: done.id });
    expect(found.jobs.map((j) => j.id)).toEqual([done.id]);
    expect(found.counts.succeeded).toBe(1);
    const bad = await rejection(caller.jobs.find({ limit: 0 }));
    expect(bad.code).toBe('BAD_REQUEST');
    await caller.jobs.delete({ id: done.id });
    expect((await rejection(caller.jobs.get({ id: done.id }))).code).toBe('NOT_FOUND');
    expect(await caller.jobs.clearFinished({})).toEqual({ deleted: 0 });

    // A JobClient written before find and delete: the router says so, not a TypeError.
    const older: JobClient = Object.create(engine, {
      find: { value: undefined },
      delete: { value: undefined },
      clearFinished: { value: undefined },
    });
    const olderCaller = createAppRouter(older).createCaller({});
    const refused = await rejection(olderCaller.jobs.find({}));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: "this server's backend cannot find" });
  });

  it('lists the definitions with their input schemas', async () => {
    const { caller } = await setup();
    const definitions = await caller.jobs.definitions();
    const sleep = definitions.find((d) => d.name === 'test.sleep');
    expect(sleep?.inputSchema).toMatchObject({ type: 'object', properties: { items: { type: 'integer' } } });
  });

  it('starts a job, and gets, lists and details it', async () => {
    const { engine, caller } = await setup();
    const job = await caller.jobs.start({ name: 'test.sleep', input: { items: 3, ms: 10, failEvery: 2 } });
    const done = await engine.waitFor(job.id);
    // One of its three items fails: partial, not succeeded.
    expect(done.state).toBe('partial');
    expect((await caller.jobs.get({ id: job.id })).state).toBe('partial');
    expect((await caller.jobs.list({ state: 'partial' })).map((j) => j.id)).toContain(job.id);
    const details = await caller.jobs.details({ id: job.id });
    expect(details.failures.map((f) => f.index)).toEqual([1]);
  });

  it('refuses invalid input with a BAD_REQUEST naming the field', async () => {
    const { caller } = await setup();
    const error = await rejection(caller.jobs.start({ name: 'test.sleep', input: { items: 'many' } }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/items/);
    const bad = await rejection(caller.jobs.list({ limit: -1 }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/limit/);
  });

  it('answers NOT_FOUND for an unknown job name or id', async () => {
    const { caller } = await setup();
    expect((await rejection(caller.jobs.start({ name: 'no.such.job', input: {} }))).code).toBe('NOT_FOUND');
    expect((await rejection(caller.jobs.get({ id: 'nope' }))).code).toBe('NOT_FOUND');
    expect((await rejection(caller.jobs.details({ id: 'nope' }))).code).toBe('NOT_FOUND');
    expect((await rejection(caller.jobs.cancel({ id: 'nope' }))).code).toBe('NOT_FOUND');
    expect((await rejection(caller.jobs.resume({ id: 'nope' }))).code).toBe('NOT_FOUND');
  });

  it('resumes a job that did not succeed, and refuses one that did with a BAD_REQUEST', async () => {
    const { engine, caller } = await setup();
    const partial = await caller.jobs.start({ name: 'test.sleep', input: { items: 2, ms: 1, failEvery: 2 } });
    await engine.waitFor(partial.id);
    const resumed = await caller.jobs.resume({ id: partial.id });
    expect(resumed.resumeOf).toBe(partial.id);
    expect((await engine.waitFor(resumed.id)).items).toMatchObject({ succeeded: 1, failed: 1 });
    const ok = await caller.jobs.start({ name: 'test.sleep', input: { items: 1, ms: 1 } });
    await engine.waitFor(ok.id);
    const refused = await rejection(caller.jobs.resume({ id: ok.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/succeeded: nothing to resume/);
  });

  it('cancels a running job', async () => {
    const { engine, caller } = await setup();
    const job = await caller.jobs.start({ name: 'test.sleep', input: { items: 50, ms: 200 } });
    await caller.jobs.cancel({ id: job.id, reason: 'test' });
    expect((await engine.waitFor(job.id)).state).toBe('cancelled');
  });

  it('sends events as tracked(seq) and resumes after lastEventId with nothing lost or repeated', async () => {
    const { engine, caller } = await setup();
    const job = await caller.jobs.start({ name: 'test.sleep', input: { items: 4, ms: 20 } });
    await engine.waitFor(job.id);

    const read = async (lastEventId?: string) => {
      const stream = await caller.jobs.events({ jobId: job.id, ...(lastEventId ? { lastEventId } : {}) });
      const got: { id: string; event: JobEvent }[] = [];
      for await (const [id, event] of stream as AsyncIterable<[string, JobEvent]>) {
        got.push({ id, event });
        if (event.type === 'finished') break;
      }
      return got;
    };
    const all = await read('0');
    expect(all.map((e) => e.id)).toEqual(all.map((e) => String(e.event.seq)));
    expect(all[0]?.event.type).toBe('queued');
    const middle = all[Math.floor(all.length / 2)]!;
    const rest = await read(middle.id);
    expect(rest.map((e) => e.event.seq)).toEqual(
      all.filter((e) => e.event.seq > middle.event.seq).map((e) => e.event.seq),
    );
  });

  it('refuses a subscription to an unknown job', async () => {
    const { caller } = await setup();
    const stream = await caller.jobs.events({ jobId: 'nope' });
    const error = await rejection(
      (async () => {
        for await (const _ of stream as AsyncIterable<unknown>) break;
      })(),
    );
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('schedules router', () => {
  it('lists a schedule, pauses, resumes and removes it, and answers NOT_FOUND for an unknown id', async () => {
    const { engine, caller } = await setup();
    const first = await caller.jobs.start({ name: 'test.sleep', input: { items: 1, ms: 1 }, every: '1h' });
    await engine.waitFor(first.id);
    const [listed] = await caller.schedules.list();
    expect(listed).toMatchObject({ id: first.scheduleId, name: 'test.sleep', every: '1h', paused: false });

    const paused = await caller.schedules.pause({ id: listed!.id });
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    const resumed = await caller.schedules.resume({ id: listed!.id });
    expect(resumed.paused).toBe(false);
    expect(resumed.nextRunAt).toBeGreaterThan(Date.now());
    await caller.schedules.remove({ id: listed!.id });
    expect(await caller.schedules.list()).toEqual([]);

    for (const call of [caller.schedules.pause, caller.schedules.resume, caller.schedules.remove]) {
      const error = await rejection(call({ id: listed!.id }));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toBe(`no schedule with id ${listed!.id}`);
    }
    expect((await rejection(caller.schedules.pause({ id: '' }))).code).toBe('BAD_REQUEST');
  });
});
