// Finding jobs over the whole history: a page newest first (keyset paging on
// `pos`, so a deep page costs what the first does) and the counts per state of
// the same filters without the state, which the page's tabs show.
import type Database from 'better-sqlite3';
import { ValidationError } from '../protocol/errors.js';
import {
  JOB_STATES,
  type JobPage,
  type JobQuery,
  type JobSnapshot,
  type JobState,
} from '../protocol/types.js';

/** The indexes the queries below are served by (see bench measure `find`). */
export const FIND_INDEXES = `
CREATE INDEX IF NOT EXISTS jobs_state_pos ON jobs(state, pos);
CREATE INDEX IF NOT EXISTS jobs_name_state ON jobs(name, state, pos);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at, state);
DROP INDEX IF EXISTS jobs_state;
`;

/** What `text` is matched within, as SQL over a jobs row: its id, title and input (JSON). */
const searched = (row: string) =>
  `${row}.id || ' ' || COALESCE(json_extract(${row}.data, '$.title'), '') || ' ' || json_quote(json_extract(${row}.data, '$.input'))`;

// A trigram index finds a substring of 3 characters or more without reading the
// jobs: a LIKE over 100,000 rows read 130 MB (150-200 ms); a selective search
// through it is ~1 ms, one in every job ~600 ms at the median (see bench measure `find`).
// Contentless: it holds only the trigrams. Triggers keep it with the jobs rows;
// a job's id, title and input never change once written.
const SEARCH_INDEX = `
CREATE VIRTUAL TABLE jobs_search USING fts5(text, content='', contentless_delete=1, tokenize='trigram');
CREATE TRIGGER jobs_search_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO jobs_search (rowid, text) VALUES (new.pos, ${searched('new')});
END;
CREATE TRIGGER jobs_search_delete AFTER DELETE ON jobs BEGIN
  DELETE FROM jobs_search WHERE rowid = old.pos;
END;
INSERT INTO jobs_search (rowid, text) SELECT pos, ${searched('jobs')} FROM jobs;
`;

/** Adds the search index to a store that has none (a new one, or one made before search). */
export function addSearchIndex(db: Database.Database): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'jobs_search'").get();
  if (exists) return;
  db.transaction(() => db.exec(SEARCH_INDEX))();
}

const DEFAULT_LIMIT = 50;
/** The shortest text the trigram index can find; shorter ones are matched row by row. */
const TRIGRAM = 3;

/** LIKE's own characters in a needle match themselves. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
/** One phrase of the text's trigrams: the text as a substring, case-insensitively. */
const phrase = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * The index the counts read: SQLite, with no statistics, took the state index for every GROUP BY
 * and read each row for its creation time (140 ms for the last day of 100,000 jobs, 1 ms so).
 */
function countIndex(query: JobQuery, text: string | undefined): string {
  if (text) return '';
  if (query.createdFrom !== undefined || query.createdTo !== undefined) return 'INDEXED BY jobs_created';
  if (query.name) return 'INDEXED BY jobs_name_state';
  return 'INDEXED BY jobs_state_pos';
}

export function findJobs(db: Database.Database, query: JobQuery = {}): JobPage {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.name) {
    where.push('name = ?');
    params.push(query.name);
  }
  const text = query.text?.trim();
  if (text && [...text].length >= TRIGRAM) {
    where.push('pos IN (SELECT rowid FROM jobs_search WHERE jobs_search MATCH ?)');
    params.push(phrase(text));
  } else if (text) {
    where.push(`(${searched('jobs')}) LIKE ? ESCAPE '\\'`);
    params.push(likePattern(text));
  }
  // Bounds on pos as well: a page scans newest first, and would read every newer job to reach old ones.
  if (query.createdFrom !== undefined) {
    where.push(
      'created_at >= ? AND pos >= (SELECT MIN(pos) FROM jobs INDEXED BY jobs_created WHERE created_at >= ?)',
    );
    params.push(query.createdFrom, query.createdFrom);
  }
  if (query.createdTo !== undefined) {
    where.push(
      'created_at < ? AND pos <= (SELECT MAX(pos) FROM jobs INDEXED BY jobs_created WHERE created_at < ?)',
    );
    params.push(query.createdTo, query.createdTo);
  }
  const clause = (parts: string[]) => (parts.length ? `WHERE ${parts.join(' AND ')}` : '');

  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  const grouped = db
    .prepare(
      `SELECT state, COUNT(*) AS n FROM jobs ${countIndex(query, text)} ${clause(where)} GROUP BY state`,
    )
    .all(...params) as { state: JobState; n: number }[];
  for (const row of grouped) counts[row.state] = row.n;

  const pageWhere = [...where];
  const pageParams = [...params];
  const states = query.state === undefined ? [] : Array.isArray(query.state) ? query.state : [query.state];
  if (states.length) {
    pageWhere.push(`state IN (${states.map(() => '?').join(', ')})`);
    pageParams.push(...states);
  }
  if (query.cursor !== undefined) {
    const cursor = Number(query.cursor);
    if (!/^\d+$/.test(query.cursor) || !Number.isSafeInteger(cursor))
      throw new ValidationError(`cursor: "${query.cursor}" is not a page's next`, [
        { path: 'cursor', message: 'not a page cursor' },
      ]);
    pageWhere.push('pos < ?');
    pageParams.push(cursor);
  }
  const limit = query.limit ?? DEFAULT_LIMIT;
  const rows = db
    .prepare(`SELECT pos, data FROM jobs ${clause(pageWhere)} ORDER BY pos DESC LIMIT ?`)
    .all(...pageParams, limit + 1) as { pos: number; data: string }[];
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return {
    jobs: page.map((row) => JSON.parse(row.data) as JobSnapshot),
    counts,
    next: more ? String(page.at(-1)!.pos) : null,
  };
}
