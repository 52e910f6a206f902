// A job snapshot as the engine would send it, for tests of pure state and rows.
import type { JobSnapshot } from '@threadline/core';

let next = 0;

export function snapshot(overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  next += 1;
  return {
    id: `j_test${next}`,
    name: 'demo.sleep',
    title: 'Sleep (demo)',
    state: 'running',
    input: {},
    createdAt: 1_000 + next,
    startedAt: 1_000 + next,
    finishedAt: null,
    progress: { done: 0, total: 40, fraction: 0, rate: null, eta: null, message: null },
    items: { total: 40, succeeded: 0, failed: 0, cancelled: 0 },
    summary: null,
    error: null,
    scheduleId: null,
    runAt: null,
    unit: 'items',
    ...overrides,
  };
}
