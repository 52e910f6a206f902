// A schedule's last outcome from the store: its newest run that ran and ended,
// read through the index on a run's schedule and finish time, which a store
// written before that index gets when it is opened.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { tempDir } from './helpers.js';

const OLD_JOBS = `CREATE TABLE jobs (pos INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  state TEXT NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER, data TEXT NOT NULL);`;

interface Run {
  id: string;
  scheduleId: string | null;
  state: string;
  startedAt: number | null;
  finishedAt: number | null;
  items?: { succeeded: number; failed: number; cancelled: number };
}

describe("a schedule's last outcome in the store", () => {
  it('is its newest run that ran and ended, skipping a run dropped while waiting, through its index on an old store', () => {
    const dataDir = tempDir();
    const old = new Database(join(dataDir, 'threadline.db'));
    old.exec(OLD_JOBS);
    const insert = old.prepare(
      'INSERT INTO jobs (id, name, state, created_at, finished_at, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const runs: Run[] = [
      { id: 'j_a1', scheduleId: 's_a', state: 'succeeded', startedAt: 1000, finishedAt: 1100 },
      {
        id: 'j_a2',
        scheduleId: 's_a',
        state: 'partial',
        startedAt: 2000,
        finishedAt: 2500,
        items: { succeeded: 3, failed: 1, cancelled: 0 },
      },
      // Dropped by a pause before it ran: recorded cancelled, never started.
      { id: 'j_a3', scheduleId: 's_a', state: 'cancelled', startedAt: null, finishedAt: 2600 },
      { id: 'j_a4', scheduleId: 's_a', state: 'queued', startedAt: null, finishedAt: null },
      { id: 'j_b1', scheduleId: 's_b', state: 'failed', startedAt: 3000, finishedAt: 3200 },
      { id: 'j_one', scheduleId: null, state: 'succeeded', startedAt: 4000, finishedAt: 4100 },
    ];
    for (const run of runs) {
      const items = { total: null, ...(run.items ?? { succeeded: 1, failed: 0, cancelled: 0 }) };
      insert.run(run.id, 'test.count', run.state, 900, run.finishedAt, JSON.stringify({ ...run, items }));
    }
    old.close();

    const store = new Store(dataDir);
    try {
      expect(store.lastFinished('s_a')).toEqual({
        jobId: 'j_a2',
        state: 'partial',
        finishedAt: 2500,
        items: { succeeded: 3, failed: 1, cancelled: 0 },
      });
      expect(store.lastFinished('s_b')).toMatchObject({ jobId: 'j_b1', state: 'failed', finishedAt: 3200 });
      expect(store.lastFinished('s_none')).toBeNull();
    } finally {
      store.close();
    }

    const reopened = new Database(join(dataDir, 'threadline.db'), { readonly: true });
    try {
      // The query as the store asks it, answered from the index, not by reading every job.
      const plan = reopened
        .prepare(
          `EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE json_extract(data, '$.scheduleId') = ?
           AND finished_at IS NOT NULL AND json_extract(data, '$.startedAt') IS NOT NULL
           ORDER BY finished_at DESC LIMIT 1`,
        )
        .all('s_a') as { detail: string }[];
      expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING INDEX jobs_schedule_finished/);
      // Partial: only the runs of a schedule are in it.
      const indexed = reopened
        .prepare(
          "SELECT COUNT(*) FROM jobs INDEXED BY jobs_schedule_finished WHERE json_extract(data, '$.scheduleId') IS NOT NULL",
        )
        .pluck()
        .get();
      expect(indexed).toBe(5);
    } finally {
      reopened.close();
    }
  });
});
