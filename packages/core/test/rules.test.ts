// The rules the engine and the BullMQ backend share, on their own: no pool, no store.
import { describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../src/protocol/errors.js';
import {
  FAIL_FAST_REASON,
  type FinishingJob,
  failFastFailure,
  finalState,
} from '../src/rules/final-state.js';
import { newId } from '../src/rules/ids.js';
import { EMPTY_PROGRESS, newStaticJob, queuedSnapshot } from '../src/rules/new-job.js';

describe('rules: ids', () => {
  it('makes prefixed ids that sort by creation time', async () => {
    const first = newId('j_');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = newId('j_');
    expect(first).toMatch(/^j_[0-9a-z]+[0-9a-f]{8}$/);
    expect(newId('s_')).toMatch(/^s_/);
    expect(first < second).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newId('j_'))).size).toBe(1000);
  });
});

describe('rules: a new job', () => {
  it('is queued with nothing counted, in the definition’s unit', () => {
    const fixed = newStaticJob({ name: 'a.job', title: 'A job', unit: 'files' }, { n: 1 }, 's_x', null);
    expect(fixed).toMatchObject({ name: 'a.job', title: 'A job', input: { n: 1 }, scheduleId: 's_x' });
    expect(fixed.id).toMatch(/^j_/);
    const job = queuedSnapshot(fixed);
    expect(job).toEqual({
      ...fixed,
      state: 'queued',
      startedAt: null,
      finishedAt: null,
      progress: { done: 0, total: null, fraction: null, rate: null, eta: null, message: null },
      items: { total: null, succeeded: 0, failed: 0, cancelled: 0 },
      summary: null,
      error: null,
    });
    expect(newStaticJob({ name: 'b', title: 'B' }, {}, null, 5).unit).toBe('items');
    // Each snapshot has its own progress: the engine mutates it as the job runs.
    expect(job.progress).not.toBe(EMPTY_PROGRESS);
  });
});

describe('rules: final state', () => {
  const boom: ErrorInfo = { message: 'boom', code: 'E_BOOM' };
  const ran = (facts: Partial<FinishingJob>): FinishingJob => ({
    mode: 'process',
    input: { n: 3 },
    definition: undefined,
    total: 3,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    results: () => [],
    cancelRequested: false,
    failure: null,
    firstItemError: null,
    ...facts,
  });

  it('succeeds when every item did, summarized by the definition', () => {
    const summarize = (results: number[], info: { total: number }) => ({
      sum: results.reduce((a, b) => a + b),
      ...info,
    });
    const outcome = finalState(ran({ succeeded: 3, results: () => [1, 2, 3], definition: { summarize } }));
    expect(outcome).toEqual({
      state: 'succeeded',
      summary: { sum: 6, input: { n: 3 }, total: 3, succeeded: 3, failed: 0, cancelled: 0 },
      error: null,
    });
  });

  it('still succeeds when some items failed; the summary without summarize is the counts', () => {
    const outcome = finalState(ran({ succeeded: 2, failed: 1, firstItemError: boom }));
    expect(outcome).toEqual({
      state: 'succeeded',
      summary: { total: 3, succeeded: 2, failed: 1, cancelled: 0 },
      error: null,
    });
  });

  it('fails when every item failed, saying so with the first item’s error', () => {
    const all = finalState(ran({ failed: 3, firstItemError: boom }));
    expect(all.state).toBe('failed');
    expect(all.error).toEqual({ message: 'all 3 items failed; first: boom', code: 'E_BOOM' });
    // One item (and so a run): its own message.
    const one = finalState(ran({ total: 1, failed: 1, firstItemError: boom }));
    expect(one.error).toEqual(boom);
    expect(finalState(ran({ total: 1, failed: 1 })).error).toEqual({ message: 'failed' });
  });

  it('fails with the item’s error when failFast stopped it, though it cancelled itself', () => {
    const failure = failFastFailure({ failFast: true }, [
      { outcome: 'succeeded', error: null },
      { outcome: 'failed', error: boom },
    ]);
    expect(failure).toEqual(boom);
    const outcome = finalState(ran({ succeeded: 1, failed: 1, cancelRequested: true, failure: failure! }));
    expect(outcome).toEqual({
      state: 'failed',
      summary: { total: 3, succeeded: 1, failed: 1, cancelled: 1 },
      error: boom,
    });
    expect(FAIL_FAST_REASON).toBe('failFast: an item failed');
  });

  it('says when failFast stops a job', () => {
    const failed = [{ outcome: 'failed' as const, error: null }];
    expect(failFastFailure({ failFast: true }, failed)).toEqual({ message: 'an item failed' });
    expect(failFastFailure({}, failed)).toBeNull();
    expect(failFastFailure(undefined, failed)).toBeNull();
    expect(failFastFailure({ failFast: true }, [{ outcome: 'cancelled', error: null }])).toBeNull();
  });

  it('is cancelled when a person cancelled it, even if every item that ran failed', () => {
    const outcome = finalState(ran({ failed: 3, cancelRequested: true, firstItemError: boom }));
    expect(outcome).toEqual({
      state: 'cancelled',
      summary: { total: 3, succeeded: 0, failed: 3, cancelled: 0 },
      error: null,
    });
  });

  it('counts items that never got an outcome as cancelled', () => {
    const outcome = finalState(ran({ total: 10, succeeded: 2, cancelRequested: true }));
    expect(outcome.summary).toEqual({ total: 10, succeeded: 2, failed: 0, cancelled: 8 });
  });

  it('fails with what stopped the job itself (its enumeration threw)', () => {
    const outcome = finalState(ran({ succeeded: 3, failure: boom }));
    expect(outcome.state).toBe('failed');
    expect(outcome.error).toEqual(boom);
  });

  it('fails when summarize throws or the results cannot be read; the counts stand as the summary', () => {
    const summarize = () => {
      throw new Error('no sum');
    };
    const thrown = finalState(ran({ succeeded: 3, definition: { summarize } }));
    expect(thrown.state).toBe('failed');
    expect(thrown.error?.message).toBe('no sum');
    expect(thrown.summary).toEqual({ total: 3, succeeded: 3, failed: 0, cancelled: 0 });
    const unreadable = finalState(ran({ succeeded: 3, results: () => JSON.parse('{') as unknown[] }));
    expect(unreadable.state).toBe('failed');
  });

  it('gives a run its one result as the summary', () => {
    const outcome = finalState(
      ran({ mode: 'run', total: 1, succeeded: 1, results: () => [{ trained: true }] }),
    );
    expect(outcome).toEqual({ state: 'succeeded', summary: { trained: true }, error: null });
    expect(
      finalState(ran({ mode: 'run', total: 1, cancelled: 1, cancelRequested: true })).summary,
    ).toBeNull();
  });
});
