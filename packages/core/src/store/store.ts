// The embedded store: jobs and their event stream in one SQLite file (WAL).
// The engine is its only writer and batches each tick's writes in one
// transaction, so thousands of events a second cost one fsync-free commit.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import Database from 'better-sqlite3';
import {
  FINAL_STATES,
  type ItemEvent,
  type ItemPage,
  type ItemQuery,
  JOB_STATES,
  type JobEvent,
  type JobFilter,
  type JobPage,
  type JobQuery,
  type JobSnapshot,
  type JobState,
  type LogEvent,
  type ScheduleInfo,
  type ScheduleOutcome,
  type TimelineSpan,
} from '../protocol/types.js';
import { BATCHES_SCHEMA, BatchTable } from './batches.js';
import { openingStore } from './faults.js';
import { addSearchIndex, FIND_INDEXES, findJobs } from './find.js';
import type { BatchRow, ItemContext } from './item-rows.js';
import { ITEMS_INDEX, ItemPages } from './items.js';
import { openReadOnly } from './read-only.js';
import { SCHEDULE_RUNS_INDEX, ScheduleOutcomes } from './schedule-outcomes.js';

/** A schedule as stored: what a run needs to start without the call that made it. */
export interface ScheduleRecord extends Omit<ScheduleInfo, 'lastFinished'> {
  moduleUrl: string;
  everyMs: number;
  /** When the latest run started: the next is due a period later. */
  lastStartedAt: number | null;
}

export interface RetentionOptions {
  /** Finished jobs kept (newest first); older ones go with their events. */
  maxJobs?: number;
  /** Progress events of finished jobs are dropped after this many ms; the job keeps its last progress. */
  progressEventsMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  pos INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_name ON jobs(name, pos);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_job ON events(job_id, seq);
CREATE TABLE IF NOT EXISTS schedules (
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job_items (
  job_id TEXT PRIMARY KEY,
  module_url TEXT NOT NULL,
  succeeded TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS item_results (
  job_id TEXT NOT NULL,
  key TEXT NOT NULL,
  result BLOB,
  PRIMARY KEY (job_id, key)
) WITHOUT ROWID;
`;

/**
 * What a resume needs of a job that ran: its module, the indices of its succeeded items (as
 * IndexSet ranges), and, for a job with summarize or itemKey, one row per succeeded item under
 * its key (its index, or its itemKey) with its result. Failed items are their events.
 */
export interface ItemRecord {
  jobId: string;
  moduleUrl: string;
  succeeded: readonly number[];
  /** Rows added since the last write: key and structured-clone bytes (null: no summarize). */
  results: [key: string, result: Buffer | null][];
  /** Batches that ended since the last write: where and when their items ran (batches.ts). */
  batches: BatchRow[];
}

export class Store {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly statements;

  /** `readOnly`: an existing store, read with nothing created or written (read-only.ts); for readers without an engine. */
  constructor(
    private readonly dataDir: string,
    options: { readOnly?: boolean } = {},
  ) {
    this.file = join(dataDir, 'threadline.db');
    if (options.readOnly) {
      this.db = openReadOnly(this.file);
    } else {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      this.db = new Database(this.file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
      this.db.exec(FIND_INDEXES);
      this.db.exec(BATCHES_SCHEMA);
      this.db.exec(ITEMS_INDEX);
      this.db.exec(SCHEDULE_RUNS_INDEX);
      addSearchIndex(this.db);
    }
    this.statements = {
      upsertJob: this.db.prepare(
        `INSERT INTO jobs (id, name, state, created_at, finished_at, data) VALUES (@id, @name, @state, @createdAt, @finishedAt, @data)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, data = excluded.data`,
      ),
      getJob: this.db.prepare('SELECT data FROM jobs WHERE id = ?'),
      insertEvent: this.db.prepare('INSERT INTO events (seq, job_id, type, at, data) VALUES (?, ?, ?, ?, ?)'),
      maxSeq: this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events'),
      upsertItems: this.db.prepare(
        `INSERT INTO job_items (job_id, module_url, succeeded) VALUES (?, ?, ?)
         ON CONFLICT(job_id) DO UPDATE SET succeeded = excluded.succeeded`,
      ),
      insertResult: this.db.prepare(
        'INSERT OR REPLACE INTO item_results (job_id, key, result) VALUES (?, ?, ?)',
      ),
      unfinished: this.db.prepare(
        `SELECT data FROM jobs WHERE state IN ('queued', 'running', 'cancelling') ORDER BY pos`,
      ),
    };
  }

  // Made on first use: a read-only store from before batches were kept has no table to prepare against.
  private batchTable: BatchTable | undefined;
  private itemPages: ItemPages | undefined;
  private scheduleOutcomes: ScheduleOutcomes | undefined;

  private get batches(): BatchTable {
    this.batchTable ??= new BatchTable(this.db);
    return this.batchTable;
  }

  /** Writes job rows and events in one transaction. */
  readonly write = (
    jobs: Iterable<JobSnapshot>,
    events: readonly JobEvent[],
    items: readonly ItemRecord[] = [],
  ): void => {
    this.db.transaction(() => {
      for (const record of items) {
        this.statements.upsertItems.run(record.jobId, record.moduleUrl, JSON.stringify(record.succeeded));
        for (const [key, result] of record.results)
          this.statements.insertResult.run(record.jobId, key, result);
        if (record.batches.length > 0) this.batches.write(record.jobId, record.batches);
      }
      for (const job of jobs) {
        this.statements.upsertJob.run({
          id: job.id,
          name: job.name,
          state: job.state,
          createdAt: job.createdAt,
          finishedAt: job.finishedAt,
          data: JSON.stringify(job),
        });
      }
      for (const event of events) {
        this.statements.insertEvent.run(event.seq, event.jobId, event.type, event.at, JSON.stringify(event));
      }
    })();
  };

  getJob(id: string): JobSnapshot | undefined {
    const row = this.statements.getJob.get(id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as JobSnapshot) : undefined;
  }

  /** Jobs newest first. */
  listJobs(filter: JobFilter = {}): JobSnapshot[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const states =
      filter.state === undefined ? [] : Array.isArray(filter.state) ? filter.state : [filter.state];
    if (states.length) {
      where.push(`state IN (${states.map(() => '?').join(', ')})`);
      params.push(...states);
    }
    if (filter.name) {
      where.push('name = ?');
      params.push(filter.name);
    }
    if (filter.before) {
      where.push('pos < COALESCE((SELECT pos FROM jobs WHERE id = ?), 0)');
      params.push(filter.before);
    }
    const sql = `SELECT data FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY pos DESC LIMIT ?`;
    params.push(filter.limit ?? 50);
    const rows = this.db.prepare(sql).all(...params) as { data: string }[];
    return rows.map((row) => JSON.parse(row.data) as JobSnapshot);
  }

  /** A page of the jobs a query matches, with the counts per state (see find.ts). */
  findJobs(query: JobQuery = {}): JobPage {
    return findJobs(this.db, query);
  }

  /** Deletes finished jobs with everything they recorded; the ids deleted. */
  deleteJobs(which: { id: string } | { finishedBefore?: number | undefined }): string[] {
    let ids: string[] = [];
    this.guarded(() =>
      this.db.transaction(() => {
        const finished = `state IN (${FINAL_STATES.map((state) => `'${state}'`).join(', ')})`;
        ids = (
          'id' in which
            ? this.db.prepare(`SELECT id FROM jobs WHERE id = ? AND ${finished}`).pluck().all(which.id)
            : this.db
                .prepare(`SELECT id FROM jobs WHERE ${finished} AND COALESCE(finished_at, 0) < ?`)
                .pluck()
                .all(which.finishedBefore ?? Number.MAX_SAFE_INTEGER)
        ) as string[];
        const statements = ['events', 'job_items', 'item_results', 'item_batches', 'jobs'].map((table) =>
          this.db.prepare(`DELETE FROM ${table} WHERE ${table === 'jobs' ? 'id' : 'job_id'} = ?`),
        );
        for (const id of ids) for (const statement of statements) statement.run(id);
      })(),
    );
    return ids;
  }

  countByState(): Record<JobState, number> {
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const row of this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
      state: JobState;
      n: number;
    }[]) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  /** Events after `after`, oldest first, at most `limit`. */
  readEvents(options: { jobId?: string | undefined; after: number; limit: number }): JobEvent[] {
    const rows = (
      options.jobId
        ? this.db
            .prepare('SELECT data FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?')
            .all(options.jobId, options.after, options.limit)
        : this.db
            .prepare('SELECT data FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
            .all(options.after, options.limit)
    ) as { data: string }[];
    return rows.map((row) => JSON.parse(row.data) as JobEvent);
  }

  /** A job's failed items, oldest first. */
  failedItems(jobId: string, limit: number): ItemEvent[] {
    const rows = this.db
      .prepare(
        `SELECT data FROM events WHERE job_id = ? AND type = 'item' AND json_extract(data, '$.outcome') = 'failed'
         ORDER BY seq LIMIT ?`,
      )
      .all(jobId, limit) as { data: string }[];
    return rows.map((row) => JSON.parse(row.data) as ItemEvent);
  }

  /** A job's latest logs, oldest first. */
  latestLogs(jobId: string, limit: number): LogEvent[] {
    const rows = this.db
      .prepare(`SELECT data FROM events WHERE job_id = ? AND type = 'log' ORDER BY seq DESC LIMIT ?`)
      .all(jobId, limit) as { data: string }[];
    return rows.reverse().map((row) => JSON.parse(row.data) as LogEvent);
  }

  itemRecord(jobId: string): { moduleUrl: string; succeeded: number[] } | undefined {
    const row = this.db.prepare('SELECT module_url, succeeded FROM job_items WHERE job_id = ?').get(jobId) as
      | { module_url: string; succeeded: string }
      | undefined;
    return row ? { moduleUrl: row.module_url, succeeded: JSON.parse(row.succeeded) as number[] } : undefined;
  }

  /** A page of a job's items by index (see items.ts); `context` is what the engine knows of it. */
  itemPage(jobId: string, query: ItemQuery, context: ItemContext): ItemPage {
    this.itemPages ??= new ItemPages(this.db, this.batches);
    return this.itemPages.page(jobId, this.itemRecord(jobId)?.succeeded ?? [], query, context);
  }

  /** A job's batches as spans per thread, merged when there are very many. */
  batchSpans(jobId: string): { spans: TimelineSpan[]; merged: boolean } {
    return this.batches.spans(jobId);
  }

  /** The keys of a job's succeeded items that have rows (jobs with summarize or itemKey). */
  resultKeys(jobId: string): Set<string> {
    const rows = this.db
      .prepare('SELECT key FROM item_results WHERE job_id = ?')
      .pluck()
      .all(jobId) as string[];
    return new Set(rows);
  }

  /** The stored results of some of a job's items, by key. */
  results(jobId: string, keys: readonly string[]): Map<string, unknown> {
    const found = new Map<string, unknown>();
    const read = this.db.prepare('SELECT result FROM item_results WHERE job_id = ? AND key = ?').pluck();
    for (const key of keys) {
      const bytes = read.get(jobId, key) as Buffer | null | undefined;
      if (bytes) found.set(key, deserialize(bytes));
    }
    return found;
  }

  /** A resumed job starts from what its predecessor kept. */
  copyResults(fromJobId: string, toJobId: string): void {
    this.guarded(() =>
      this.db
        .prepare(
          'INSERT OR REPLACE INTO item_results (job_id, key, result) SELECT ?, key, result FROM item_results WHERE job_id = ?',
        )
        .run(toJobId, fromJobId),
    );
  }

  /** A write outside the tick's transaction: a full disk is a StorageError, not SQLite's. */
  private guarded(write: () => unknown): void {
    openingStore(this.dataDir, write);
  }

  /** Interrupted jobs not resumed yet, oldest first. */
  interruptedJobs(): JobSnapshot[] {
    const rows = this.db
      .prepare(
        `SELECT data FROM jobs WHERE state = 'interrupted' AND json_extract(data, '$.resumedAs') IS NULL ORDER BY pos`,
      )
      .pluck()
      .all() as string[];
    return rows.map((data) => JSON.parse(data) as JobSnapshot);
  }

  schedules(): ScheduleRecord[] {
    const rows = this.db.prepare('SELECT data FROM schedules').pluck().all() as string[];
    return rows.map((data) => JSON.parse(data) as ScheduleRecord);
  }

  /** How the schedule's newest run that ran ended (see schedule-outcomes.ts). */
  lastFinished(scheduleId: string): ScheduleOutcome | null {
    this.scheduleOutcomes ??= new ScheduleOutcomes(this.db);
    return this.scheduleOutcomes.lastFinished(scheduleId);
  }

  saveSchedule(record: ScheduleRecord): void {
    this.guarded(() =>
      this.db
        .prepare(
          'INSERT INTO schedules (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data',
        )
        .run(record.id, JSON.stringify(record)),
    );
  }

  deleteSchedule(id: string): void {
    this.guarded(() => this.db.prepare('DELETE FROM schedules WHERE id = ?').run(id));
  }

  maxSeq(): number {
    return (this.statements.maxSeq.get() as { seq: number }).seq;
  }

  /** Jobs a previous engine left queued, running or cancelling (it crashed or was killed). */
  unfinishedJobs(): JobSnapshot[] {
    return (this.statements.unfinished.all() as { data: string }[]).map(
      (row) => JSON.parse(row.data) as JobSnapshot,
    );
  }

  prune(retention: RetentionOptions, now = Date.now()): void {
    const maxJobs = retention.maxJobs ?? 10_000;
    const progressMs = retention.progressEventsMs ?? 24 * 3_600_000;
    this.db.transaction(() => {
      const cutoff = this.db
        .prepare('SELECT pos FROM jobs WHERE finished_at IS NOT NULL ORDER BY pos DESC LIMIT 1 OFFSET ?')
        .get(maxJobs - 1) as { pos: number } | undefined;
      if (cutoff) {
        for (const table of ['events', 'job_items', 'item_results', 'item_batches']) {
          this.db
            .prepare(
              `DELETE FROM ${table} WHERE job_id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND pos < ?)`,
            )
            .run(cutoff.pos);
        }
        this.db.prepare('DELETE FROM jobs WHERE finished_at IS NOT NULL AND pos < ?').run(cutoff.pos);
      }
      this.db
        .prepare(
          `DELETE FROM events WHERE type IN ('progress', 'items') AND job_id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?)`,
        )
        .run(now - progressMs);
    })();
  }

  close(): void {
    this.db.close();
  }
}
