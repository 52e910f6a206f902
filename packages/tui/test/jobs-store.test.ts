import type { JobEvent } from '@threadline/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobsStore } from '../src/state/jobs-store.js';
import { snapshot } from './helpers/snapshot.js';

let seq = 0;
const progress = (jobId: string, done: number): JobEvent => ({
  seq: ++seq,
  at: Date.now(),
  jobId,
  type: 'progress',
  progress: { done, total: 10_000, fraction: done / 10_000, rate: 100, eta: 1, message: null },
});

describe('JobsStore', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tells listeners at most once per 100 ms however fast events arrive', () => {
    const store = new JobsStore({ intervalMs: 100 });
    const job = snapshot();
    store.put([job]);
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.get(job.id)!.progress.done));

    // 10,000 events over one second: 10 per millisecond.
    for (let ms = 0; ms < 1000; ms++) {
      for (let i = 0; i < 10; i++) store.apply(progress(job.id, ms * 10 + i + 1));
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(100);

    expect(seen.length).toBeGreaterThanOrEqual(9);
    expect(seen.length).toBeLessThanOrEqual(11);
    expect(seen.at(-1)).toBe(10_000);
    store.close();
  });

  it('keeps the same list between notifications and a new one after', () => {
    const store = new JobsStore();
    store.put([snapshot()]);
    vi.advanceTimersByTime(100);
    const first = store.list();
    expect(store.list()).toBe(first);
    store.put([snapshot()]);
    expect(store.list()).toBe(first);
    vi.advanceTimersByTime(100);
    expect(store.list()).not.toBe(first);
    expect(store.list()).toHaveLength(2);
  });

  it('folds events into snapshots and reports jobs it does not know', () => {
    const store = new JobsStore();
    const job = snapshot({ state: 'queued', startedAt: null });
    expect(store.apply({ seq: ++seq, at: 5, jobId: job.id, type: 'started' })).toBe(false);
    store.apply({ seq: ++seq, at: 1, jobId: job.id, type: 'queued', job });
    store.apply({ seq: ++seq, at: 5, jobId: job.id, type: 'started' });
    store.apply({
      seq: ++seq,
      at: 6,
      jobId: job.id,
      type: 'item',
      index: 0,
      outcome: 'failed',
      label: null,
      error: { message: 'no' },
      ms: 1,
    });
    expect(store.get(job.id)).toMatchObject({ state: 'running', startedAt: 5, items: { failed: 1 } });
    store.apply({ seq: ++seq, at: 7, jobId: job.id, type: 'cancelling', reason: null, force: false });
    store.apply({
      seq: ++seq,
      at: 9,
      jobId: job.id,
      type: 'finished',
      state: 'cancelled',
      summary: null,
      error: null,
      items: { total: 40, succeeded: 3, failed: 1, cancelled: 36 },
    });
    expect(store.get(job.id)).toMatchObject({ state: 'cancelled', finishedAt: 9, items: { cancelled: 36 } });
  });

  it('lists running jobs first, newest on top, then finished ones', () => {
    const store = new JobsStore();
    const done = snapshot({ state: 'succeeded', finishedAt: 2_000 });
    const older = snapshot({ state: 'running' });
    const queued = snapshot({ state: 'queued' });
    const newer = snapshot({ state: 'cancelling' });
    store.put([done, older, queued, newer]);
    vi.advanceTimersByTime(100);
    expect(store.list().map((job) => job.id)).toEqual([newer.id, older.id, queued.id, done.id]);
  });

  it('forgets the oldest finished jobs beyond its limit', () => {
    const store = new JobsStore({ maxFinished: 2 });
    const jobs = [1, 2, 3].map((n) => snapshot({ state: 'succeeded', finishedAt: n }));
    store.put([...jobs, snapshot({ state: 'running' })]);
    vi.advanceTimersByTime(100);
    expect(store.list()).toHaveLength(3);
    expect(store.get(jobs[0]!.id)).toBeUndefined();
  });
});
