// The TUI's jobs as core keeps them (applyEvent, jobsView with the TUI's
// options), fed by a client whose events the test pushes, under fake timers.
import {
  applyEvent,
  type JobEvent,
  type JobSnapshot,
  type JobsView,
  jobsView,
} from '@threadline/core/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TUI_VIEW_OPTIONS } from '../src/state/view.js';
import { pushClient } from './helpers/push-client.js';
import { snapshot } from './helpers/snapshot.js';

let seq = 0;
const progress = (jobId: string, done: number): JobEvent => ({
  seq: ++seq,
  at: Date.now(),
  jobId,
  type: 'progress',
  progress: { done, total: 10_000, fraction: done / 10_000, rate: 100, eta: 1, message: null },
});

let open: JobsView[] = [];
/** A view with the TUI's options, listed and following by the time it is returned. */
async function view(options: { maxFinished?: number } = {}) {
  const { client, push } = pushClient();
  const made = jobsView(client, { ...TUI_VIEW_OPTIONS, ...options });
  open.push(made);
  await vi.advanceTimersByTimeAsync(200);
  expect(made.getSnapshot()).toMatchObject({ loaded: true, connection: 'live' });
  return { store: made, push };
}

describe('the TUI’s jobs view', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    for (const made of open) made.close();
    open = [];
    vi.useRealTimers();
  });

  it('tells listeners at most once per 100 ms however fast events arrive', async () => {
    const { store, push } = await view();
    const job = snapshot();
    store.put([job]);
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.get(job.id)!.progress.done));

    // 10,000 events over one second: 10 per millisecond.
    for (let ms = 0; ms < 1000; ms++) {
      for (let i = 0; i < 10; i++) push(progress(job.id, ms * 10 + i + 1));
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(100);

    expect(seen.length).toBeGreaterThanOrEqual(9);
    expect(seen.length).toBeLessThanOrEqual(11);
    expect(seen.at(-1)).toBe(10_000);
  });

  it('keeps the same list between notifications and a new one after', async () => {
    const { store } = await view();
    const list = () => store.getSnapshot().jobs;
    store.put([snapshot()]);
    await vi.advanceTimersByTimeAsync(100);
    const first = list();
    expect(list()).toBe(first);
    store.put([snapshot()]);
    expect(list()).toBe(first);
    await vi.advanceTimersByTimeAsync(100);
    expect(list()).not.toBe(first);
    expect(list()).toHaveLength(2);
  });

  it('folds events into snapshots and reports jobs it does not know', () => {
    const store = new Map<string, JobSnapshot>();
    const apply = (event: JobEvent) => applyEvent(store, event);
    const job = snapshot({ state: 'queued', startedAt: null });
    expect(apply({ seq: ++seq, at: 5, jobId: job.id, type: 'started' })).toBe(false);
    apply({ seq: ++seq, at: 1, jobId: job.id, type: 'queued', job });
    apply({ seq: ++seq, at: 5, jobId: job.id, type: 'started' });
    apply({
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
    apply({ seq: ++seq, at: 7, jobId: job.id, type: 'cancelling', reason: null, force: false });
    apply({
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

  it('lists running jobs first, newest on top, then finished ones', async () => {
    const { store } = await view();
    const done = snapshot({ state: 'succeeded', finishedAt: 2_000 });
    const older = snapshot({ state: 'running' });
    const queued = snapshot({ state: 'queued' });
    const newer = snapshot({ state: 'cancelling' });
    store.put([done, older, queued, newer]);
    await vi.advanceTimersByTimeAsync(100);
    expect(store.getSnapshot().jobs.map((job) => job.id)).toEqual([newer.id, older.id, queued.id, done.id]);
  });

  it('forgets the oldest finished jobs beyond its limit', async () => {
    const { store } = await view({ maxFinished: 2 });
    const jobs = [1, 2, 3].map((n) => snapshot({ state: 'succeeded', finishedAt: n }));
    store.put([...jobs, snapshot({ state: 'running' })]);
    await vi.advanceTimersByTimeAsync(100);
    expect(store.getSnapshot().jobs).toHaveLength(3);
    expect(store.get(jobs[0]!.id)).toBeUndefined();
  });
});
