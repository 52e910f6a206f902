import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineJob, z } from '../src/job/index.js';
import { ValidationError } from '../src/protocol/errors.js';
import type { JobEvent } from '../src/protocol/types.js';
import { collect, fixture, openEngine, tempDir } from './helpers.js';

const ofType = <T extends JobEvent['type']>(events: JobEvent[], type: T) =>
  events.filter((e): e is Extract<JobEvent, { type: T }> => e.type === type);

describe('engine', () => {
  it('runs every item across the pool and summarizes the results', async () => {
    const engine = await openEngine();
    const job = await engine.start('test.count', { n: 500 });
    expect(job.state).toBe('queued');
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('succeeded');
    expect(done.items).toEqual({ total: 500, succeeded: 500, failed: 0, cancelled: 0 });
    expect(done.summary).toEqual({ sum: 499 * 500, failed: 0 });
    const events = await collect(engine, job.id);
    // Succeeded items are counted in a few `items` events, not an event each.
    expect(ofType(events, 'item')).toHaveLength(0);
    const items = ofType(events, 'items');
    expect(items.reduce((sum, event) => sum + event.succeeded, 0)).toBe(500);
    expect(items.length).toBeLessThan(100);
    expect(events[0]!.type).toBe('queued');
    expect(events.at(-1)!.type).toBe('finished');
  });

  it('reports a throwing item with its message and stack, goes on, and ends partial', async () => {
    const engine = await openEngine();
    const job = await engine.start('test.count', { n: 20, failOn: [3, 7] });
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('partial');
    expect(done.error!.message).toMatch(/^2 of 20 items failed; first: item (3|7) is bad$/);
    expect(done.items).toEqual({ total: 20, succeeded: 18, failed: 2, cancelled: 0 });
    expect(done.summary).toEqual({ sum: 380 - 6 - 14, failed: 2 });
    const details = await engine.details(job.id);
    expect(details!.failures.map((f) => f.index)).toEqual([3, 7]);
    expect(details!.failures[0]!.error!.message).toBe('item 3 is bad');
    expect(details!.failures[0]!.error!.stack).toContain('count.ts');
  });

  it('stops at the first failed item of a failFast job and fails it with that error', async () => {
    const engine = await openEngine();
    const job = await engine.start(fixture('fail-fast'), { n: 400, failOn: [2], ms: 5 });
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('failed');
    expect(done.error!.message).toBe('item 2 is bad');
    expect(done.items.cancelled).toBeGreaterThan(300);
    expect(done.items.succeeded + done.items.failed + done.items.cancelled).toBe(done.items.total);
  });

  it('stops a job at its maxFailures, a count from its start or its definition, and fails it saying so', async () => {
    const engine = await openEngine();
    const failOn = [2, 5, 8, 11, 14, 17];
    const started = await engine.start('test.count', { n: 400, failOn, ms: 5 }, { maxFailures: 3 });
    expect(started.maxFailures).toBe(3);
    const done = await engine.waitFor(started.id);
    expect(done.state).toBe('failed');
    expect(done.error!.message).toMatch(
      /^\d+ of 400 items failed, reaching maxFailures 3; first: item \d+ is bad$/,
    );
    expect(done.items.failed).toBeGreaterThanOrEqual(3);
    expect(done.items.cancelled).toBeGreaterThan(300);
    expect(done.items.succeeded + done.items.failed + done.items.cancelled).toBe(done.items.total);
    const events = await collect(engine, started.id);
    expect(ofType(events, 'cancelling')[0]!.reason).toBe('maxFailures 3: too many items failed');

    const byDefinition = await engine.waitFor(
      (await engine.start(fixture('max-failures'), { n: 400, failOn, ms: 5 })).id,
    );
    expect(byDefinition).toMatchObject({ state: 'failed', maxFailures: 2 });
    expect(byDefinition.items.cancelled).toBeGreaterThan(300);
    // Below the limit it is only partial.
    const below = await engine.waitFor(
      (await engine.start('test.count', { n: 20, failOn }, { maxFailures: 7 })).id,
    );
    expect(below.state).toBe('partial');
  });

  it('stops a job at a fraction of its items once their total is known', async () => {
    const engine = await openEngine();
    const failOn = Array.from({ length: 30 }, (_, i) => i);
    const job = await engine.start('test.count', { n: 100, failOn, ms: 5 }, { maxFailures: 0.1 });
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('failed');
    expect(done.error!.message).toMatch(/^\d+ of 100 items failed, reaching maxFailures 0\.1; first: /);
    expect(done.items.failed).toBeGreaterThanOrEqual(10);
    expect(done.items.failed).toBeLessThan(30);
    // Failures short of the fraction: it runs to its end, partial.
    const few = await engine.waitFor(
      (await engine.start('test.count', { n: 100, failOn: [1, 2] }, { maxFailures: 0.05 })).id,
    );
    expect(few.state).toBe('partial');
  });

  it('refuses a maxFailures that is neither a count nor a fraction, before anything runs', async () => {
    const engine = await openEngine();
    for (const maxFailures of [0, -2, 1.5]) {
      await expect(engine.start('test.count', { n: 1 }, { maxFailures })).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringMatching(/^maxFailures must be a count of items/),
      });
    }
    expect(await engine.list()).toEqual([]);
    const job = { name: 'a.job', title: 'A', input: z.object({}), run: () => 1 };
    expect(() => defineJob({ ...job, maxFailures: 0 })).toThrow(/^defineJob\(a\.job\): maxFailures must be/);
    expect(() => defineJob({ ...job, maxFailures: 2, failFast: true })).toThrow(
      /failFast or maxFailures, not both/,
    );
    expect(defineJob({ ...job, maxFailures: 0.2 }).maxFailures).toBe(0.2);
  });

  it('marks a job whose items all failed as failed', async () => {
    const engine = await openEngine();
    const job = await engine.start('test.count', { n: 3, failOn: [0, 1, 2] });
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('failed');
    expect(done.error!.message).toContain('all 3 items failed');
  });

  it.each([
    ['throw', /^no items today$/],
    ['overflow', /Maximum call stack size exceeded/],
    ['generator-throw', /^no items from the generator$/],
    ['generator-overflow', /Maximum call stack size exceeded/],
  ] as const)(
    'fails a job whose items() throws before its first item (%s), with the reason',
    async (how, reason) => {
      const engine = await openEngine();
      const job = await engine.start(fixture('bad-items'), { how });
      const done = await engine.waitFor(job.id);
      expect(done.state).toBe('failed');
      expect(done.error!.message).toMatch(reason);
      expect(done.items).toEqual({ total: 0, succeeded: 0, failed: 0, cancelled: 0 });
      const events = await collect(engine, job.id);
      // Started once, finished once, and nothing after.
      expect(events.map((e) => e.type).filter((type) => type !== 'progress')).toEqual([
        'queued',
        'started',
        'finished',
      ]);
      // The engine goes on: the next job runs.
      const next = await engine.waitFor((await engine.start('test.count', { n: 3 })).id);
      expect(next.state).toBe('succeeded');
    },
  );

  it('fails the item of a crashing worker, replaces the worker and finishes the rest', async () => {
    const engine = await openEngine();
    const job = await engine.start('test.count', { n: 30, crashOn: [5], ms: 5 });
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('partial');
    expect(done.items).toMatchObject({ total: 30, succeeded: 29, failed: 1 });
    const details = await engine.details(job.id);
    expect(details!.failures[0]!.index).toBe(5);
    expect(details!.failures[0]!.error!.message).toMatch(/worker exited \(code 3\)/);
    await engine.pool.ready();
    expect(engine.pool.slots).toHaveLength(2);
  });

  it.each(['item', 'result'] as const)(
    'fails the items of a batch whose %s cannot be cloned, with the reason, and goes on',
    async (where) => {
      const engine = await openEngine();
      const done = await engine.waitFor((await engine.start(fixture('uncloneable'), { n: 3, where })).id);
      expect(done.state).toBe('failed');
      expect(done.items).toMatchObject({ total: 3, failed: 3 });
      const details = await engine.details(done.id);
      expect(details!.failures[0]!.error!.message).toMatch(/could not be cloned/);
      const after = await engine.waitFor((await engine.start('test.count', { n: 10 })).id);
      expect(after.state).toBe('succeeded');
    },
  );

  it('fails only the items whose result cannot be cloned, not the rest of their batch', async () => {
    const engine = await openEngine({ poolSize: 1 });
    const start = () => engine.start(fixture('uncloneable'), { n: 400, where: 'result', bad: [3, 250] });
    const done = await engine.waitFor((await start()).id);
    expect(done).toMatchObject({ state: 'partial', items: { total: 400, succeeded: 398, failed: 2 } });
    expect(done.summary).toEqual({ sent: 398 });
    const details = await engine.details(done.id);
    expect(details!.failures.map((f) => f.index)).toEqual([3, 250]);
    expect(details!.failures[0]!.error!.message).toMatch(
      /^its result cannot be sent to the engine: .*could not be cloned/,
    );
  });

  it('fails an item whose worker runs out of its memory limit, and recovers', async () => {
    const engine = await openEngine({ resourceLimits: { maxOldGenerationSizeMb: 48 } });
    const hog = await engine.waitFor((await engine.start('test.memory', {})).id);
    expect(hog.state).toBe('failed');
    expect(hog.error!.message).toBe('worker ran out of memory (limit 48 MB)');
    const after = await engine.waitFor((await engine.start('test.count', { n: 10 })).id);
    expect(after.state).toBe('succeeded');
  });

  it('rejects invalid input naming the field, before anything runs', async () => {
    const engine = await openEngine();
    const error = await engine.start('test.count', { n: 'ten' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]!.path).toBe('n');
    expect((error as Error).message).toMatch(/^invalid input for test\.count: n: /);
    expect(await engine.list()).toEqual([]);
  });

  it('names unknown jobs and modules that are not jobs', async () => {
    const engine = await openEngine();
    await expect(engine.start('nope', {})).rejects.toThrow(/unknown job "nope"; known jobs: test\.count/);
    await expect(engine.start(fixture('not-a-job'), {})).rejects.toThrow(/does not default-export a job/);
  });

  it('loads a TypeScript job by path', async () => {
    const engine = await openEngine({ registry: {} });
    const job = await engine.start(new URL(fixture('count')).pathname, { n: 4 });
    expect((await engine.waitFor(job.id)).summary).toEqual({ sum: 12, failed: 0 });
  });

  // Logs travel apart from batch replies; they used to race them, and a job that finished
  // first lost the lines still on their way (as many as all 50 of a one-item job).
  it.each([1, 3])('keeps all 50 log lines of the first item of a %i-item job, in order', async (n) => {
    const engine = await openEngine();
    for (let run = 0; run < 5; run++) {
      const job = await engine.start(fixture('logs'), { lines: 50, n });
      const events = await collect(engine, job.id);
      const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
      expect(ofType(events, 'log').map((e) => e.message)).toEqual(lines);
      expect(ofType(events, 'log').every((e) => e.item === 0)).toBe(true);
      expect((await engine.details(job.id))!.logs.map((e) => e.message)).toEqual(lines);
    }
  });

  it('emits monotone progress events sampled from shared memory', async () => {
    const engine = await openEngine({ tickMs: 20 });
    const job = await engine.start('test.spin', { iterations: 30_000_000 });
    const events = await collect(engine, job.id);
    const progress = ofType(events, 'progress').map((e) => e.progress);
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    expect(progress.some((p) => p.message?.startsWith('at '))).toBe(true);
    expect(progress.at(-1)!.total).toBe(30_000_000);
    expect(ofType(events, 'finished')[0]!.state).toBe('succeeded');
  });

  it('counts progress in the weight of items that give one: one large item moves it as it runs', async () => {
    const engine = await openEngine({ poolSize: 1 });
    // One big item and nine small ones: by count the big one would be a tenth of the job.
    const sizes = [9_000_000, ...Array.from({ length: 9 }, () => 100_000)];
    const job = await engine.start('test.weighted', { sizes, stepMs: 60 });
    const done = await engine.waitFor(job.id);
    expect(done.progress).toMatchObject({ done: 9_900_000, total: 9_900_000, fraction: 1 });
    const progress = ofType(await collect(engine, job.id), 'progress').map((e) => e.progress);
    expect(progress.every((p) => p.total === null || p.total === 9_900_000)).toBe(true);
    // While the big item runs (before anything is done), the job moves in its bytes.
    const during = progress.filter((p) => p.done > 0 && p.done < 9_000_000);
    expect(during.length).toBeGreaterThan(2);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(done.items).toMatchObject({ total: 10, succeeded: 10 });
  });

  it('sends no message per progress call: 1M calls, a handful of messages', async () => {
    const engine = await openEngine({ poolSize: 1 });
    await engine.pool.ready();
    const before = engine.pool.messagesReceived;
    const job = await engine.start('test.spin', { iterations: 1_000_000, check: 'never' });
    expect((await engine.waitFor(job.id)).state).toBe('succeeded');
    expect(engine.pool.messagesReceived - before).toBeLessThan(5);
  });

  it('stops a CPU loop that calls throwIfCancelled, without replacing its worker', async () => {
    const engine = await openEngine({ graceMs: 60_000 });
    const job = await engine.start('test.spin', {});
    await collect(engine, job.id, (e) => e.type === 'progress');
    const worker = engine.pool.slots.find((s) => s.busy)!.worker;
    await engine.cancel(job.id);
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('cancelled');
    expect(done.items.cancelled).toBe(1);
    expect(engine.pool.slots.map((s) => s.worker)).toContain(worker);
  });

  it('terminates an item that never checks after the grace period and restores the pool', async () => {
    const engine = await openEngine({ graceMs: 300 });
    const job = await engine.start('test.spin', { check: 'never' });
    await collect(engine, job.id, (e) => e.type === 'progress');
    const worker = engine.pool.slots.find((s) => s.busy)!.worker;
    await engine.cancel(job.id);
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('cancelled');
    expect(
      done.finishedAt! - (await collect(engine, job.id, (e) => e.type === 'cancelling')).at(-1)!.at,
    ).toBeGreaterThanOrEqual(250);
    expect(engine.pool.slots.map((s) => s.worker)).not.toContain(worker);
    await engine.pool.ready();
    const next = await engine.waitFor((await engine.start('test.count', { n: 50 })).id);
    expect(next.state).toBe('succeeded');
  });

  it('removes the temporary file of a write its terminated worker left unfinished', async () => {
    const dir = tempDir();
    const target = join(dir, 'out.txt');
    const engine = await openEngine({ graceMs: 60_000 });
    const job = await engine.start(fixture('stuck-write'), { target });
    await collect(engine, job.id, (e) => e.type === 'progress' && e.progress.message === 'writing');
    expect(readdirSync(dir).some((name) => name.startsWith('out.txt.tmp-'))).toBe(true);
    await engine.cancel(job.id, { force: true });
    expect((await engine.waitFor(job.id)).state).toBe('cancelled');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives the next job only threads that are not being terminated (none of its items lost)', async () => {
    const engine = await openEngine({ poolSize: 2 });
    // A forced cancel terminates threads whose last reply may still arrive: the slot must not take
    // the next job's batch before its replacement thread is in (it was lost with the old one).
    for (let round = 0; round < 8; round++) {
      const big = await engine.start('test.count', { n: 200, ms: 50 });
      await collect(engine, big.id, (e) => e.type === 'items');
      await engine.cancel(big.id, { force: true });
      await engine.waitFor(big.id);
      const next = await engine.waitFor((await engine.start('test.count', { n: 10 })).id);
      expect([round, next.state, next.items.failed]).toEqual([round, 'succeeded', 0]);
    }
  }, 90_000);

  it('skips the grace period when forced', async () => {
    const engine = await openEngine({ graceMs: 60_000 });
    const job = await engine.start('test.spin', { check: 'never' });
    await collect(engine, job.id, (e) => e.type === 'progress');
    await engine.cancel(job.id, { force: true });
    expect((await engine.waitFor(job.id)).state).toBe('cancelled');
  });

  it('drops queued jobs and queued items at once', async () => {
    const engine = await openEngine({ graceMs: 60_000 });
    const first = await engine.start('test.spin', {});
    const second = await engine.start('test.spin', {});
    expect((await engine.get(second.id))!.state).toBe('queued');
    const cancelled = await engine.cancel(second.id);
    expect(cancelled.state).toBe('cancelled');
    await engine.cancel(first.id);
    const many = await engine.start('test.count', { n: 1000, ms: 20 });
    await collect(engine, many.id, (e) => e.type === 'items');
    await engine.cancel(many.id);
    const done = await engine.waitFor(many.id);
    expect(done.state).toBe('cancelled');
    expect(done.items.succeeded).toBeLessThan(100);
    expect(done.items.succeeded + done.items.cancelled + done.items.failed).toBe(done.items.total);
  });

  it('runs one job of a concurrency-1 definition at a time', async () => {
    const engine = await openEngine();
    const a = await engine.start('test.spin', { iterations: 20_000_000 });
    const b = await engine.start('test.spin', { iterations: 1000 });
    expect((await engine.get(b.id))!.state).toBe('queued');
    const doneA = await engine.waitFor(a.id);
    const doneB = await engine.waitFor(b.id);
    expect(doneB.startedAt!).toBeGreaterThanOrEqual(doneA.finishedAt!);
  });

  it('runs a periodic job as separate runs until its schedule is cancelled', async () => {
    const engine = await openEngine();
    const first = await engine.start('test.every', {}, { every: '100ms' });
    const runs: string[] = [];
    for await (const event of engine.events({ after: 0, signal: AbortSignal.timeout(10_000) })) {
      if (event.type === 'finished' && event.state === 'succeeded') runs.push(event.jobId);
      if (runs.length === 3) break;
    }
    expect(new Set(runs).size).toBe(3);
    const queued = await engine.list({ state: 'queued' });
    expect(queued).toHaveLength(1);
    expect(queued[0]!.scheduleId).toBe(first.scheduleId);
    await engine.cancel(queued[0]!.id);
    expect(await engine.list({ state: ['queued', 'running'] })).toEqual([]);
  });
});
