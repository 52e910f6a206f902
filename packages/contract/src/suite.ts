// The JobClient contract: what every implementation (the engine, the tRPC
// client, the BullMQ client) must do the same way, so that a UI written
// against one works against all.
import { createEngine, type Engine, type JobClient } from '@threadline/core';
import { type CleanupStack, until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { deletedContract } from './deleted.js';
import { eventsOf, expectConsistentStream, finished } from './events.js';
import { findContract } from './find.js';
import { itemsContract, noItemsContract } from './items.js';
import { noResumeContract, resumeContract } from './resume.js';
import { scheduleContract } from './schedules.js';
import { workersContract } from './workers.js';

/** The registry every backend under test gives its engine or workers. */
export const CONTRACT_REGISTRY = {
  'contract.count': new URL(`./count-job${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
    .href,
};

/** An engine on a temp data directory with the contract's job, closed by `cleanups`. */
export async function openContractEngine(cleanups: CleanupStack): Promise<Engine> {
  const engine = await createEngine({
    dataDir: cleanups.tempDir('contract'),
    registry: CONTRACT_REGISTRY,
    poolSize: 2,
    graceMs: 500,
  });
  cleanups.add(() => engine.close());
  return engine;
}

export interface Backend {
  client: JobClient;
}

/** What a backend does not do yet. Each one left out is held to a clear refusal instead. */
export interface Capabilities {
  /** `resume(id)` runs what a finished job did not do. */
  resume: boolean;
  /** `pauseSchedule` / `resumeSchedule` stop a schedule's runs and start them again. */
  pauseSchedules: boolean;
  /** `items(id)` and `timeline(id)`: a job's items one by one, and its batches per thread. */
  items: boolean;
}

export interface ContractOptions {
  capabilities?: Partial<Capabilities>;
}

/** Registers the contract's tests; `open` gives a fresh backend per test (and cleans it up after). */
export function jobClientContract(
  name: string,
  open: () => Promise<Backend>,
  options: ContractOptions = {},
): void {
  const capabilities: Capabilities = {
    resume: true,
    pauseSchedules: true,
    items: true,
    ...options.capabilities,
  };
  describe(`JobClient contract: ${name}`, () => {
    it('lists its definitions with their input schema', async () => {
      const { client } = await open();
      const [definition] = (await client.definitions()).filter((d) => d.name === 'contract.count');
      expect(definition).toMatchObject({
        title: 'Count (contract)',
        unit: 'items',
        inputSchema: { type: 'object', properties: { n: { type: 'integer' } } },
      });
    });

    it('runs a job to succeeded; its events replay in order, numbered strictly upward', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 5 });
      expect(job).toMatchObject({ name: 'contract.count', input: { n: 5, ms: 0 } });
      const events = await eventsOf(client, job.id);
      expect(events[0]!.type).toBe('queued');
      expect(expectConsistentStream(events)).toMatchObject({
        state: 'succeeded',
        summary: { sum: 20 },
        items: { total: 5, succeeded: 5, failed: 0, cancelled: 0 },
      });
      expect(await client.get(job.id)).toMatchObject({ state: 'succeeded', summary: { sum: 20 } });
    });

    it('tells each item once, succeeded ones as counts or one by one, adding up to the final counts', async () => {
      const { client } = await open();
      // Long enough for several ticks, so a backend that sends counts sends more than one.
      const job = await client.start('contract.count', { n: 60, ms: 10, failOn: [7, 30, 59] });
      const events = await eventsOf(client, job.id);
      expect(expectConsistentStream(events)).toMatchObject({
        state: 'partial',
        items: { total: 60, succeeded: 57, failed: 3, cancelled: 0 },
      });
      const succeededEvents = events.filter(
        (e) => e.type === 'items' || (e.type === 'item' && e.outcome === 'succeeded'),
      );
      expect(succeededEvents.length).toBeGreaterThan(1);
      const failed = events.flatMap((e) => (e.type === 'item' && e.outcome === 'failed' ? [e.index] : []));
      expect(failed.sort((a, b) => a - b)).toEqual([7, 30, 59]);
    });

    it('resumes the event stream after any sequence number with exactly what followed', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 4, failOn: [2] });
      const all = await eventsOf(client, job.id);
      // From the start and from each event but the last (after `finished`, a stream only waits).
      for (const cut of [0, ...all.slice(0, -1).map((event) => event.seq)]) {
        expect(await eventsOf(client, job.id, cut)).toEqual(all.filter((event) => event.seq > cut));
      }
    });

    it('records failed items with their reason, and the logs, in details', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 4, failOn: [1, 3] });
      const done = await finished(client, job.id);
      expect(done.items).toMatchObject({ total: 4, succeeded: 2, failed: 2 });
      const details = (await client.details(job.id))!;
      expect(details.failures.map((f) => [f.index, f.error?.message]).sort()).toEqual([
        [1, 'item 1 fails on purpose'],
        [3, 'item 3 fails on purpose'],
      ]);
      expect(details.logs.map((log) => log.message)).toContain('counting to 4');
    });

    it('keeps every log line of a job that ends right after them, in the stream and in details', async () => {
      const { client } = await open();
      const lines = ['counting to 1', ...Array.from({ length: 50 }, (_, i) => `line ${i}`)];
      for (let run = 0; run < 3; run++) {
        const job = await client.start('contract.count', { n: 1, logLines: 50 });
        const events = await eventsOf(client, job.id);
        const logs = events.filter((event) => event.type === 'log');
        expect(logs.map((event) => event.message)).toEqual(lines);
        expect((await client.details(job.id))!.logs.map((log) => log.message)).toEqual(lines);
      }
    });

    it('ends partial, not succeeded, when some items fail and the rest succeed', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 12, failOn: [2, 5, 8, 11] });
      const events = await eventsOf(client, job.id);
      expect(expectConsistentStream(events)).toMatchObject({
        state: 'partial',
        // The first to fail, which on a pool of threads need not be the lowest index.
        error: {
          message: expect.stringMatching(/^4 of 12 items failed; first: item (2|5|8|11) fails on purpose$/),
        },
        items: { total: 12, succeeded: 8, failed: 4, cancelled: 0 },
        summary: { sum: 2 * (66 - 2 - 5 - 8 - 11) },
      });
      const done = (await client.get(job.id))!;
      expect(done).toMatchObject({ state: 'partial', items: { succeeded: 8, failed: 4 } });
      expect((await client.list({ state: 'partial' })).map((j) => j.id)).toEqual([job.id]);
      expect(await client.list({ state: 'succeeded' })).toEqual([]);
    });

    it('stops a job at the maxFailures it was started with, a count or a fraction, and fails it saying so', async () => {
      const { client } = await open();
      const failOn = [1, 3, 5, 7, 9, 11, 13, 15];
      const byCount = await client.start('contract.count', { n: 200, ms: 20, failOn }, { maxFailures: 2 });
      expect(byCount.maxFailures).toBe(2);
      const events = await eventsOf(client, byCount.id);
      expectConsistentStream(events);
      expect(events.find((event) => event.type === 'cancelling')).toMatchObject({
        reason: 'maxFailures 2: too many items failed',
      });
      const done = (await client.get(byCount.id))!;
      expect(done).toMatchObject({ state: 'failed', maxFailures: 2 });
      expect(done.error?.message).toMatch(
        / items failed, reaching maxFailures 2; first: item \d+ fails on purpose$/,
      );
      expect(done.items.cancelled).toBeGreaterThan(100);

      // 2% of 200 is 4 failed items, known once all 200 are listed.
      const byFraction = await client.start(
        'contract.count',
        { n: 200, ms: 20, failOn },
        { maxFailures: 0.02 },
      );
      const stopped = await finished(client, byFraction.id);
      expect(stopped).toMatchObject({ state: 'failed', maxFailures: 0.02 });
      expect(stopped.error?.message).toMatch(/^\d+ of 200 items failed, reaching maxFailures 0\.02; first: /);
      expect(stopped.items.failed).toBeGreaterThanOrEqual(4);
      expect(stopped.items.cancelled).toBeGreaterThan(100);

      // Short of the limit: it runs to its end, partial.
      const below = await client.start('contract.count', { n: 12, failOn: [2, 5] }, { maxFailures: 3 });
      expect((await finished(client, below.id)).state).toBe('partial');

      await expect(client.start('contract.count', { n: 1 }, { maxFailures: 1.5 })).rejects.toMatchObject({
        code: 'VALIDATION',
      });
    });

    it('fails a job whose every item fails', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 2, failOn: [0, 1] });
      const done = await finished(client, job.id);
      expect(done.state).toBe('failed');
      expect(done.error?.message).toMatch(/fail/);
    });

    it('fails a job whose items() throws before its first item, with the reason', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 3, itemsThrow: true });
      const done = await finished(client, job.id);
      expect(done).toMatchObject({ state: 'failed', error: { message: 'cannot list the items' } });
      expect(done.items).toMatchObject({ succeeded: 0, failed: 0 });
      // The backend goes on: the next job runs.
      expect((await finished(client, (await client.start('contract.count', { n: 1 })).id)).state).toBe(
        'succeeded',
      );
    });

    it('cancels a running job: it ends cancelled, with the items it never ran counted as cancelled', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 200, ms: 50 });
      await until(
        async () => ((await client.get(job.id))!.items.succeeded > 0 ? true : undefined),
        'an item',
      );
      await client.cancel(job.id, { reason: 'enough' });
      expectConsistentStream(await eventsOf(client, job.id));
      const done = await finished(client, job.id);
      expect(done.state).toBe('cancelled');
      expect(done.items.cancelled).toBeGreaterThan(0);
      expect(done.items.succeeded + done.items.failed + done.items.cancelled).toBeLessThanOrEqual(200);
    });

    it('force-cancels items that never check for cancellation', async () => {
      const { client } = await open();
      const job = await client.start('contract.count', { n: 2, spinMs: 60_000 });
      await until(
        async () => ((await client.get(job.id))!.state === 'running' ? true : undefined),
        'running',
      );
      const started = Date.now();
      await client.cancel(job.id, { force: true });
      expect((await finished(client, job.id)).state).toBe('cancelled');
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    it('lists jobs newest first, pages with before, and filters by state and name', async () => {
      const { client } = await open();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const job = await client.start('contract.count', { n: 1 });
        await finished(client, job.id);
        ids.push(job.id);
      }
      const failing = await client.start('contract.count', { n: 1, failOn: [0] });
      await finished(client, failing.id);
      const newest = await client.list({ limit: 2 });
      expect(newest.map((job) => job.id)).toEqual([failing.id, ids[2]]);
      const older = await client.list({ before: ids[2]!, limit: 10 });
      expect(older.map((job) => job.id)).toEqual([ids[1], ids[0]]);
      expect((await client.list({ state: 'failed' })).map((job) => job.id)).toEqual([failing.id]);
      expect(await client.list({ name: 'no.such.job' })).toEqual([]);
    });

    it('refuses bad input and unknown jobs with the same error codes, and starts nothing', async () => {
      const { client } = await open();
      await expect(client.start('contract.count', { n: 'many' })).rejects.toMatchObject({
        code: 'VALIDATION',
      });
      await expect(client.start('contract.count', { n: 1, extra: true })).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringMatching(/extra: unknown key/),
      });
      await expect(client.start('no.such.job', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await client.list({})).toEqual([]);
    });

    it('answers undefined for an unknown id, and refuses to cancel one', async () => {
      const { client } = await open();
      expect(await client.get('j_nope')).toBeUndefined();
      expect(await client.details('j_nope')).toBeUndefined();
      await expect(client.cancel('j_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    if (capabilities.resume) resumeContract(open);
    else noResumeContract(open);

    scheduleContract(open, { pause: capabilities.pauseSchedules });
    findContract(open);
    workersContract(open);
    if (capabilities.items) itemsContract(open);
    else noItemsContract(open);
    deletedContract(open);
  });
}
