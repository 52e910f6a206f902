// The contract's resume tests: on a backend that can resume, a new job that
// runs only what did not succeed, and refusals that keep their error class
// across the transport; on one that cannot yet, a refusal that says so.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JobClient, NotFoundError, ValidationError } from '@threadline/core';
import { tempDir, until } from '@threadline/testing';
import { expect, it, onTestFinished } from 'vitest';
import { eventsOf, expectConsistentStream, finished } from './events.js';
import type { Backend } from './suite.js';

/** A folder for a test's marks (see count-job's markDir), removed when the test ends. */
function markDir(): string {
  const dir = tempDir('contract-marks');
  onTestFinished(dir.remove);
  return dir.path;
}

/** How many times each item 0..n-1 ran to success, read from its mark file. */
function successes(dir: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const file = join(dir, String(i));
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  });
}

/** Rejects with an instance of `type` whose code is `code` and whose message matches `message`. */
export async function expectRefusal(
  call: Promise<unknown>,
  type: typeof ValidationError | typeof NotFoundError,
  code: string,
  message: RegExp,
): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
}

async function partialJob(client: JobClient, dir: string) {
  const fixed = join(dir, 'fixed');
  const job = await client.start('contract.count', { n: 10, failOn: [3, 7], failUntil: fixed, markDir: dir });
  const done = await finished(client, job.id);
  expect(done).toMatchObject({ state: 'partial', items: { total: 10, succeeded: 8, failed: 2 } });
  return { job, fixed };
}

export function resumeContract(open: () => Promise<Backend>): void {
  it('resumes a partial job as a new job that runs only the items that failed, summarizing every item', async () => {
    const { client } = await open();
    const dir = markDir();
    const { job, fixed } = await partialJob(client, dir);
    expect(successes(dir, 10)).toEqual([1, 1, 1, 0, 1, 1, 1, 0, 1, 1]);
    writeFileSync(fixed, '');

    const resumed = await client.resume(job.id);
    expect(resumed.id).not.toBe(job.id);
    expect(resumed).toMatchObject({ name: 'contract.count', resumeOf: job.id, input: job.input });
    const final = expectConsistentStream(await eventsOf(client, resumed.id));
    expect(final).toMatchObject({
      state: 'succeeded',
      items: { total: 10, succeeded: 10, failed: 0, cancelled: 0 },
      // Every item's result, the eight taken over included.
      summary: { sum: 90 },
    });
    // Items 3 and 7 ran to success now; none that had succeeded ran again.
    expect(successes(dir, 10)).toEqual(Array(10).fill(1));
    expect(await client.get(job.id)).toMatchObject({ state: 'partial', resumedAs: resumed.id });
    expect((await client.list({})).map((j) => j.id)).toEqual([resumed.id, job.id]);
  });

  it('resumes a cancelled job: the items it never ran run, the ones that succeeded do not', async () => {
    const { client } = await open();
    const dir = markDir();
    const job = await client.start('contract.count', { n: 40, ms: 30, markDir: dir });
    await until(() => readdirSync(dir).length >= 4, 'four items done');
    await client.cancel(job.id);
    const cancelled = await finished(client, job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.items.succeeded).toBeLessThan(40);

    const resumed = await client.resume(job.id);
    const final = expectConsistentStream(await eventsOf(client, resumed.id));
    expect(final).toMatchObject({
      state: 'succeeded',
      items: { total: 40, succeeded: 40, failed: 0, cancelled: 0 },
      summary: { sum: 39 * 40 },
    });
    expect(successes(dir, 40)).toEqual(Array(40).fill(1));
  });

  it('refuses to resume a job that succeeded, one still running, one resumed already, or an unknown id', async () => {
    const { client } = await open();
    const ok = await client.start('contract.count', { n: 2 });
    await finished(client, ok.id);
    await expectRefusal(client.resume(ok.id), ValidationError, 'VALIDATION', new RegExp(ok.id));

    const running = await client.start('contract.count', { n: 200, ms: 50 });
    await expectRefusal(client.resume(running.id), ValidationError, 'VALIDATION', new RegExp(running.id));
    // Not forced: a job started just after a forced cancel can lose items to the threads being terminated.
    await client.cancel(running.id);
    await finished(client, running.id);

    const dir = markDir();
    const { job } = await partialJob(client, dir);
    const resumed = await client.resume(job.id);
    await finished(client, resumed.id);
    await expectRefusal(client.resume(job.id), ValidationError, 'VALIDATION', new RegExp(resumed.id));

    await expectRefusal(client.resume('j_nope'), NotFoundError, 'NOT_FOUND', /j_nope/);
    // Only the one resume that was allowed started a job.
    expect(await client.list({})).toHaveLength(4);
  });
}

/** A backend without resume yet: it says so, and starts nothing, instead of rerunning everything. */
export function noResumeContract(open: () => Promise<Backend>): void {
  it('refuses resume with a ValidationError saying it is not available, and starts nothing', async () => {
    const { client } = await open();
    const dir = markDir();
    const { job } = await partialJob(client, dir);
    await expectRefusal(client.resume(job.id), ValidationError, 'VALIDATION', /resume is not available/);
    expect((await client.list({})).map((j) => j.id)).toEqual([job.id]);
    expect((await client.get(job.id))!.resumedAs).toBeUndefined();
    expect(successes(dir, 10)).toEqual([1, 1, 1, 0, 1, 1, 1, 0, 1, 1]);
  });
}
