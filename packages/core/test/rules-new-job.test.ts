// A new job's snapshot, as the engine and the BullMQ backend both make it: no pool, no store.
import { describe, expect, it } from 'vitest';
import { EMPTY_PROGRESS, newStaticJob, queuedSnapshot } from '../src/rules/new-job.js';

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
