// 11. Finding jobs in a long history: one page of 50 (and the counts per
// state the dashboard's tabs show) from a store holding 100,000 finished jobs,
// unfiltered and filtered, the first page and one ~90,000 jobs deep (keyset
// paging: a deep page costs what the first does). The history is written as
// an older store held it (no search column), so opening it also times the
// migration that adds its search index. In-process engine.find; tRPC adds one HTTP round
// trip and the JSON of 50 snapshots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type JobQuery } from '@threadline/core';
import Database from 'better-sqlite3';
import type { Measure, MeasureContext } from '../measure.js';
import { type BenchRecord, record } from '../record.js';
import { median, percentile } from '../stats.js';

const JOBS = 100_000;
const DAY = 86_400_000;
const NAMES = ['files.checksum', 'files.index', 'images.resize', 'feeds.fetch', 'model.train'];
const GOAL = { on: 'value', op: '<=', target: 100, text: '≤ 100 ms a page' } as const;

/** The jobs table before search existed; the engine's own schema adds the rest. */
const OLD_SCHEMA = `
CREATE TABLE jobs (pos INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  state TEXT NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER, data TEXT NOT NULL);
CREATE INDEX jobs_state ON jobs(state);
CREATE INDEX jobs_name ON jobs(name, pos);
CREATE TABLE events (seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL,
  data TEXT NOT NULL);
CREATE INDEX events_job ON events(job_id, seq);`;

/** Mostly succeeded, as a real history is: a state by position, spread so each appears throughout. */
function stateOf(i: number): string {
  const r = (i * 7919) % 100;
  return r < 80 ? 'succeeded' : r < 88 ? 'partial' : r < 94 ? 'failed' : r < 98 ? 'cancelled' : 'interrupted';
}

/** A history of `JOBS` finished jobs over 30 days, each with its queued, started and finished events. */
export function writeHistory(dataDir: string, now: number): void {
  const db = new Database(join(dataDir, 'threadline.db'));
  db.pragma('journal_mode = WAL');
  db.exec(OLD_SCHEMA);
  const job = db.prepare(
    'INSERT INTO jobs (id, name, state, created_at, finished_at, data) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const event = db.prepare('INSERT INTO events (seq, job_id, type, at, data) VALUES (?, ?, ?, ?, ?)');
  let seq = 0;
  db.transaction(() => {
    for (let i = 0; i < JOBS; i++) {
      const id = `j_${i.toString(36).padStart(6, '0')}${((i * 2654435761) >>> 0).toString(36)}`;
      const name = NAMES[i % NAMES.length]!;
      const state = stateOf(i);
      const createdAt = now - 30 * DAY + Math.floor((i * 30 * DAY) / JOBS);
      const finishedAt = createdAt + 2000 + (i % 5000);
      const total = 10 + (i % 990);
      const failed = state === 'partial' ? 3 : state === 'failed' ? total : 0;
      const snapshot = {
        id,
        name,
        title: name,
        state,
        input: { folder: `/srv/data/project-${i % 997}/batch-${i % 31}`, recursive: i % 2 === 0 },
        createdAt,
        startedAt: createdAt + 5,
        finishedAt,
        progress: { done: total, total, fraction: 1, rate: 120.5, eta: 0, message: null },
        items: { total, succeeded: total - failed, failed, cancelled: 0 },
        summary: state === 'succeeded' ? { files: total, bytes: total * 40_960 } : null,
        error: state === 'failed' ? { name: 'Error', message: 'every item failed', code: 'INTERNAL' } : null,
        scheduleId: null,
        runAt: null,
        unit: 'files',
      };
      job.run(id, name, state, createdAt, finishedAt, JSON.stringify(snapshot));
      for (const [type, at] of [
        ['queued', createdAt],
        ['started', createdAt + 5],
        ['finished', finishedAt],
      ] as const) {
        seq++;
        event.run(seq, id, type, at, JSON.stringify({ seq, jobId: id, at, type }));
      }
    }
  })();
  db.close();
}

/** Times one query `runs` times (after a warm-up), in ms. */
async function time(engine: Engine, query: JobQuery, runs: number): Promise<number[]> {
  await engine.find(query);
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const page = await engine.find(query);
    samples.push(performance.now() - t0);
    if (page.jobs.length === 0 && !query.text?.includes('nowhere'))
      throw new Error(`no jobs for ${JSON.stringify(query)}`);
  }
  return samples;
}

/** The cursor of the page `depth` jobs into a query's results, found by walking pages of 1,000. */
async function cursorAt(engine: Engine, query: JobQuery, depth: number): Promise<string> {
  let cursor: string | undefined;
  for (let seen = 0; seen < depth; seen += 1000) {
    const page = await engine.find({ ...query, limit: 1000, ...(cursor ? { cursor } : {}) });
    if (page.next === null) break;
    cursor = page.next;
  }
  if (!cursor) throw new Error(`no page ${depth} deep for ${JSON.stringify(query)}`);
  return cursor;
}

export async function measureFind(ctx: MeasureContext, runs: number): Promise<BenchRecord[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'threadline-bench-find-'));
  const now = Date.now();
  try {
    writeHistory(dataDir, now);
    const t0 = performance.now();
    const engine = await createEngine({ dataDir, poolSize: 1, retention: { maxJobs: 10 * JOBS } });
    const openMs = performance.now() - t0;
    try {
      const deepAll = await cursorAt(engine, {}, 90_000);
      const deepFailed = await cursorAt(engine, { state: 'failed' }, 5_000);
      const deepText = await cursorAt(engine, { text: '/srv/data/' }, 50_000);
      const cases: [string, JobQuery][] = [
        ['first page, unfiltered', {}],
        ['page 90,000 jobs deep, unfiltered', { cursor: deepAll }],
        ['first page, state failed', { state: 'failed' }],
        ['page 5,000 failed jobs deep, state failed', { state: 'failed', cursor: deepFailed }],
        ['first page, one job name and state', { name: 'files.index', state: 'partial' }],
        ['first page, text in the input', { text: 'project-42/' }],
        ['text that matches nothing', { text: 'nowhere-to-be-found' }],
        ['text in every job (the worst case)', { text: '/srv/data/' }],
        // Counted up to find's COUNT_LIMIT (the page shows "10,000+"); these read the page other ways.
        ['text in every job, state interrupted', { text: '/srv/data/', state: 'interrupted' }],
        ['text in every job, a page 50,000 deep', { text: '/srv/data/', cursor: deepText }],
        ['first page, created in the last day', { createdFrom: now - DAY }],
      ];
      const records: BenchRecord[] = [];
      for (const [name, query] of cases) {
        const samples = await time(engine, { limit: 50, ...query }, runs);
        ctx.log(
          `${name}: median ${median(samples).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms`,
        );
        records.push(
          record({
            measure: 11,
            name: `find with ${JOBS.toLocaleString('en')} jobs: ${name}`,
            unit: 'ms',
            better: 'lower',
            threadline: percentile(samples, 95),
            goal: GOAL,
            samples: runs,
            note: `p95 of ${runs}; median ${median(samples).toFixed(1)} ms; a page of 50 and the counts per state`,
          }),
        );
      }
      records.push(
        record({
          measure: 11,
          name: `opening a store of ${JOBS.toLocaleString('en')} jobs written before search (builds the search index and indexes)`,
          unit: 'ms',
          better: 'lower',
          threadline: openMs,
          samples: 1,
          note: 'once, on the first open after the upgrade',
        }),
      );
      return records;
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const find: Measure = {
  id: 'find',
  number: 11,
  title: 'finding jobs in a history of 100,000',
  run: (ctx) => measureFind(ctx, ctx.quick ? 10 : 50),
};
