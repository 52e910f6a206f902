// The final-state rule the engine and the BullMQ backend share, on its own: no pool, no store.
import { describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../src/protocol/errors.js';
import {
  FAIL_FAST_REASON,
  type FinishingJob,
  failureLimit,
  finalState,
  maxFailuresFailure,
  maxFailuresOf,
  maxFailuresProblem,
  maxFailuresReason,
} from '../src/rules/final-state.js';

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

  it('is partial when it ran to its end with some items failed, saying how many; the summary without summarize is the counts', () => {
    const outcome = finalState(ran({ succeeded: 2, failed: 1, firstItemError: boom }));
    expect(outcome).toEqual({
      state: 'partial',
      summary: { total: 3, succeeded: 2, failed: 1, cancelled: 0 },
      error: { message: '1 of 3 items failed; first: boom', code: 'E_BOOM' },
    });
    // 4 of 12: partial, never succeeded, with or without a summarize of its own.
    const summarize = (results: number[]) => ({ n: results.length });
    const some = finalState(
      ran({ total: 12, succeeded: 8, failed: 4, firstItemError: boom, definition: { summarize } }),
    );
    expect(some).toMatchObject({
      state: 'partial',
      summary: { n: 0 },
      error: { message: '4 of 12 items failed; first: boom' },
    });
  });

  it('is partial when items cancelled themselves (no cancel asked for) and the rest succeeded', () => {
    const outcome = finalState(
      ran({ total: 4, succeeded: 2, failed: 1, cancelled: 1, firstItemError: boom }),
    );
    expect(outcome.state).toBe('partial');
    expect(outcome.error?.message).toBe('1 of 4 items failed, 1 cancelled; first: boom');
    const cancelledOnly = finalState(ran({ total: 4, succeeded: 3, cancelled: 1 }));
    expect(cancelledOnly).toMatchObject({ state: 'partial', error: { message: '1 of 4 items cancelled' } });
  });

  it('succeeds only when every item did, and fails when none did', () => {
    expect(finalState(ran({ succeeded: 3 })).state).toBe('succeeded');
    expect(finalState(ran({ total: 0 })).state).toBe('succeeded');
    const none = finalState(ran({ failed: 1, cancelled: 2, firstItemError: boom }));
    expect(none).toMatchObject({
      state: 'failed',
      error: { message: 'no item succeeded: 1 of 3 items failed, 2 cancelled; first: boom' },
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
    const failure = maxFailuresFailure({ maxFailures: 1, total: null, failed: 1, firstItemError: boom });
    expect(failure).toEqual(boom);
    const outcome = finalState(ran({ succeeded: 1, failed: 1, cancelRequested: true, failure: failure! }));
    expect(outcome).toEqual({
      state: 'failed',
      summary: { total: 3, succeeded: 1, failed: 1, cancelled: 1 },
      error: boom,
    });
    expect(maxFailuresReason(1)).toBe(FAIL_FAST_REASON);
    expect(FAIL_FAST_REASON).toBe('failFast: an item failed');
  });

  it('takes maxFailures from the start, else the definition, failFast being 1', () => {
    const def = { name: 'a.job' };
    expect(maxFailuresOf(def)).toBeUndefined();
    expect(maxFailuresOf({ ...def, failFast: true })).toBe(1);
    expect(maxFailuresOf({ ...def, failFast: false })).toBeUndefined();
    expect(maxFailuresOf({ ...def, maxFailures: 5 })).toBe(5);
    expect(maxFailuresOf({ ...def, maxFailures: 5 }, { maxFailures: 0.25 })).toBe(0.25);
    expect(maxFailuresOf({ ...def, failFast: true }, { maxFailures: 3 })).toBe(3);
  });

  it('accepts a count ≥ 1 or a fraction 0 < f < 1, and names anything else', () => {
    for (const good of [1, 2, 1000, 0.5, 0.01, 0.999])
      expect(maxFailuresProblem(good), String(good)).toBeNull();
    for (const bad of [0, -1, 1.5, 1e300, Number.NaN, Number.POSITIVE_INFINITY, '3', null])
      expect(maxFailuresProblem(bad), String(bad)).toMatch(/^must be a count of items .* or a fraction/);
    expect(() => maxFailuresOf({ name: 'a.job' }, { maxFailures: 0 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringMatching(/^maxFailures must be/) }),
    );
    expect(() => maxFailuresOf({ name: 'a.job', maxFailures: 2.5 })).toThrow(/^a\.job's maxFailures must be/);
  });

  it('turns maxFailures into a count of failed items: a count as is, a fraction of the total once known', () => {
    expect(failureLimit(undefined, 10)).toBeNull();
    expect(failureLimit(3, null)).toBe(3);
    expect(failureLimit(3, 2)).toBe(3);
    expect(failureLimit(0.25, null)).toBeNull();
    expect(failureLimit(0.25, 12)).toBe(3);
    expect(failureLimit(0.25, 13)).toBe(4);
    // A tenth of 30 is 3, though 0.1 × 30 is a hair over it.
    expect(failureLimit(0.1, 30)).toBe(3);
    // At least one: a fraction of a handful still needs a failure.
    expect(failureLimit(0.1, 3)).toBe(1);
  });

  it('stops a job once its failed items reach the count, saying how many and the first reason', () => {
    const at = (failed: number, total: number | null = 12) =>
      maxFailuresFailure({ maxFailures: 3, total, failed, firstItemError: boom });
    expect(at(0)).toBeNull();
    expect(at(2)).toBeNull();
    expect(at(3)).toEqual({
      message: '3 of 12 items failed, reaching maxFailures 3; first: boom',
      code: 'E_BOOM',
    });
    // Still enumerating: the count is known, the total is not.
    expect(at(4, null)?.message).toBe('4 items failed, reaching maxFailures 3; first: boom');
    expect(maxFailuresReason(3)).toBe('maxFailures 3: too many items failed');
  });

  it('stops a job once its failed items reach the fraction of the total, not before the total is known', () => {
    const at = (failed: number, total: number | null) =>
      maxFailuresFailure({ maxFailures: 0.25, total, failed, firstItemError: boom });
    expect(at(5, null)).toBeNull();
    expect(at(2, 12)).toBeNull();
    expect(at(3, 12)?.message).toBe('3 of 12 items failed, reaching maxFailures 0.25; first: boom');
    expect(maxFailuresFailure({ maxFailures: 0.5, total: 4, failed: 2, firstItemError: null })?.message).toBe(
      '2 of 4 items failed, reaching maxFailures 0.5; first: an item failed',
    );
  });

  it('fails a job whose failures reached maxFailures though it ran to its end; below it, partial', () => {
    const facts = { total: 12, succeeded: 8, failed: 4, firstItemError: boom };
    expect(finalState(ran({ ...facts, maxFailures: 4 }))).toMatchObject({
      state: 'failed',
      error: { message: '4 of 12 items failed, reaching maxFailures 4; first: boom' },
    });
    expect(finalState(ran({ ...facts, maxFailures: 5 })).state).toBe('partial');
    expect(finalState(ran({ ...facts, maxFailures: 0.3 })).state).toBe('failed');
    expect(finalState(ran({ ...facts, maxFailures: 0.4 })).state).toBe('partial');
    // A person's cancel stays a cancel.
    expect(finalState(ran({ ...facts, maxFailures: 1, cancelRequested: true })).state).toBe('cancelled');
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
