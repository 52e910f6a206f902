// The rules the engine and the BullMQ backend share, on their own: no pool, no store.
import { describe, expect, it } from 'vitest';
import type { CellSample } from '../src/progress/cell-reader.js';
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
import { newId } from '../src/rules/ids.js';
import { itemEvent, itemLabel, settleBatch } from '../src/rules/item-events.js';
import { EMPTY_PROGRESS, newStaticJob, queuedSnapshot } from '../src/rules/new-job.js';
import { etaOf, fractionOf, RateMeter, shareOfCells } from '../src/rules/sampler.js';

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

describe('rules: item events', () => {
  const job = { id: 'j_1', mode: 'process' as const };
  const items = [
    { index: 4, item: { path: '/a.jpg' } },
    { index: 5, item: 'b.txt' },
    { index: 6, item: { size: 3 } },
  ];
  const last = { current: -1, completed: 3, done: 0, total: null, message: null };
  const boom = { message: 'boom' };

  it('labels items by themselves or their path, name, url…', () => {
    expect(itemLabel('x'.repeat(300))).toHaveLength(200);
    expect(itemLabel(7)).toBe('7');
    expect(itemLabel({ name: 'n', path: 'p' })).toBe('p');
    expect(itemLabel({ id: 12 })).toBe('12');
    expect(itemLabel({ size: 3 })).toBeNull();
    expect(itemLabel(null)).toBeNull();
    // A run's one item is its input: never labelled.
    expect(itemEvent({ id: 'j_2', mode: 'run' }, { index: 0, item: 'in' }, 'succeeded', 1).label).toBeNull();
  });

  it('turns a batch that ran into one event an item, keeping what succeeded items returned', () => {
    const outcome = {
      kind: 'done' as const,
      last,
      results: [
        { outcome: 'succeeded' as const, result: 10, ms: 1.23456 },
        { outcome: 'failed' as const, error: boom, ms: 2 },
        { outcome: 'cancelled' as const, ms: 0.5 },
      ],
    };
    const { settled, rerun } = settleBatch(job, items, outcome, false);
    expect(rerun).toEqual([]);
    expect(settled.map((s) => s.event)).toEqual([
      { type: 'item', jobId: 'j_1', index: 4, outcome: 'succeeded', label: '/a.jpg', error: null, ms: 1.23 },
      { type: 'item', jobId: 'j_1', index: 5, outcome: 'failed', label: 'b.txt', error: boom, ms: 2 },
      { type: 'item', jobId: 'j_1', index: 6, outcome: 'cancelled', label: null, error: null, ms: 0.5 },
    ]);
    expect(settled.map((s) => s.returned)).toEqual([{ value: 10, ms: 1.23456 }, undefined, undefined]);
  });

  it('fails every item of a batch that could not run, with its reason', () => {
    const { settled, rerun } = settleBatch(job, items, { kind: 'error', error: boom }, false);
    expect(rerun).toEqual([]);
    expect(settled.map((s) => [s.event.index, s.event.outcome, s.event.error])).toEqual([
      [4, 'failed', boom],
      [5, 'failed', boom],
      [6, 'failed', boom],
    ]);
  });

  it('fails only the item a dead thread held; what it finished stands and the rest run again', () => {
    const lost = { kind: 'lost' as const, error: new Error('worker exited'), completed: 1 };
    const { settled, rerun } = settleBatch(job, items, lost, false);
    expect(settled.map((s) => [s.event.index, s.event.outcome, s.event.error?.message ?? null])).toEqual([
      [4, 'succeeded', null],
      [5, 'failed', 'worker exited'],
    ]);
    // Its results died with it.
    expect(settled[0]!.returned).toBeUndefined();
    expect(rerun).toEqual([items[2]]);
  });

  it('cancels what a dead thread held and everything after it when the job is stopping', () => {
    const lost = { kind: 'lost' as const, error: new Error('terminated'), completed: 0 };
    const { settled, rerun } = settleBatch(job, items, lost, true);
    expect(settled.map((s) => s.event.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(rerun).toEqual([]);
  });
});

describe('rules: sampler', () => {
  const cell = (over: Partial<CellSample>): CellSample => ({
    current: -1,
    completed: 0,
    done: 0,
    total: null,
    message: null,
    ...over,
  });

  it('folds the cells of a job’s batches: finished items, running items’ fractions, the latest word', () => {
    const share = shareOfCells([
      { cell: cell({ completed: 3, current: 3, done: 5, total: 10, message: 'a' }), items: 8 },
      // A cell already counting its next batch still counts only this one's items.
      { cell: cell({ completed: 9 }), items: 4 },
      { cell: cell({ completed: 1, current: 1, done: 3, total: 4, message: null }), items: 2 },
    ]);
    expect(share).toEqual({
      completed: 8,
      partial: 1.25,
      message: 'a',
      running: true,
      itemDone: 3,
      itemTotal: 4,
    });
    expect(shareOfCells([])).toMatchObject({ completed: 0, partial: 0, message: null, running: false });
  });

  it('says how far a job is, with nothing to do as done', () => {
    expect(fractionOf(5, 0.5, 10)).toBe(0.55);
    expect(fractionOf(10, 1, 10)).toBe(1);
    expect(fractionOf(0, 0, 0)).toBe(1);
    expect(fractionOf(5, 0, null)).toBeNull();
  });

  it('reads a steady 20 items a second as 20/s, with the ETA of what is left', () => {
    const meter = new RateMeter();
    const t0 = 1_000_000;
    // Nothing done yet: no rate, and the clock of the rate has not started (a pool starting up).
    expect(meter.update(t0, 0)).toBeNull();
    expect(meter.update(t0 + 100, 2)).toBeNull();
    for (let s = 1; s <= 10; s++) meter.update(t0 + 100 + s * 500, 2 + s * 10);
    expect(meter.rate).toBeCloseTo(20, 10);
    expect(etaOf(meter.rate, 100, 200)).toBeCloseTo(5, 10);
    expect(etaOf(meter.rate, 250, 200)).toBe(0);
  });

  it('follows a change of pace over seconds instead of jumping, and a stall lowers it', () => {
    const meter = new RateMeter();
    let t = 1000;
    let done = 1;
    meter.update(t, done);
    const run = (perSecond: number, seconds: number) => {
      for (let i = 0; i < seconds * 4; i++) {
        t += 250;
        done += perSecond / 4;
        meter.update(t, done);
      }
    };
    run(10, 20);
    expect(meter.rate).toBeCloseTo(10, 5);
    run(30, 1);
    expect(meter.rate!).toBeGreaterThan(10);
    expect(meter.rate!).toBeLessThan(20);
    run(30, 15);
    expect(meter.rate!).toBeGreaterThan(28);
    run(0, 1);
    expect(meter.rate!).toBeGreaterThan(20);
    expect(meter.rate!).toBeLessThan(28);
  });

  it('gives a steady ETA for items that finish in bursts, from soon after the first one', () => {
    // 5 items a second, two at a time every 400 ms give or take 100 ms, after 1.5 s of start-up,
    // sampled every 100 ms as the engine does; 100 items in all.
    let seed = 7;
    const jitter = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 200;
    };
    const finishes: number[] = [];
    for (let at = 1500, i = 0; i < 100; i += 2, at += 400) finishes.push(at + jitter(), at + jitter());
    finishes.sort((a, b) => a - b);
    const meter = new RateMeter();
    const etas: { at: number; eta: number; left: number }[] = [];
    for (let now = 0; now <= finishes.at(-1)!; now += 100) {
      const done = finishes.filter((at) => at <= now).length;
      const rate = meter.update(now, done);
      if (now % 1000 === 0 && rate !== null)
        etas.push({ at: now, eta: etaOf(rate, done, 100)!, left: (finishes.at(-1)! - now) / 1000 });
    }
    // Two seconds after the first item: about 5/s already (not 0.9/s).
    expect(etas.find((e) => e.at === 4000)!.eta).toBeGreaterThan(0);
    const early = etas.find((e) => e.at === 4000)!;
    expect(Math.abs(early.eta - early.left) / early.left).toBeLessThan(0.2);
    // From two seconds after the first item on.
    const steady = etas.filter((e) => e.at >= 3500);
    for (const [previous, next] of steady.slice(1).map((e, i) => [steady[i]!, e] as const)) {
      // A second later, about a second less: never up, never down by more than two.
      expect(next.eta).toBeLessThanOrEqual(previous.eta + 0.5);
      expect(previous.eta - next.eta).toBeLessThan(2);
    }
  });

  it('has an ETA of 0 once all is done, and none while the rate or the total is unknown', () => {
    expect(etaOf(null, 10, 10)).toBe(0);
    expect(etaOf(null, 5, 10)).toBeNull();
    expect(etaOf(4, 5, null)).toBeNull();
    expect(etaOf(0, 5, 10)).toBeNull();
  });
});
