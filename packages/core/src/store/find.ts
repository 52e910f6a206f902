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

/** What `text` is matched within: kept in its own column so a search reads no JSON. */
export const searchText = (job: Pick<JobSnapshot, 'id' | 'title' | 'input'>): string =>
  `${job.id} ${job.title} ${JSON.stringify(job.input ?? null)}`;

/** A data directory made before search existed gets the column, filled from each job's data. */
export function addSearchColumn(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[];
  if (columns.some((column) => column.name === 'search')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE jobs ADD COLUMN search TEXT');
    db.exec(
      `UPDATE jobs SET search = id || ' ' || COALESCE(json_extract(data, '$.title'), '') || ' ' ||
         json_quote(json_extract(data, '$.input'))`,
    );
  })();
}

const DEFAULT_LIMIT = 50;

/** LIKE's own characters in a needle match themselves. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function findJobs(db: Database.Database, query: JobQuery = {}): JobPage {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.name) {
    where.push('name = ?');
    params.push(query.name);
  }
  const text = query.text?.trim();
  if (text) {
    where.push("search LIKE ? ESCAPE '\\'");
    params.push(likePattern(text));
  }
  if (query.createdFrom !== undefined) {
    where.push('created_at >= ?');
    params.push(query.createdFrom);
  }
  if (query.createdTo !== undefined) {
    where.push('created_at < ?');
    params.push(query.createdTo);
  }
  const clause = (parts: string[]) => (parts.length ? `WHERE ${parts.join(' AND ')}` : '');

  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  const grouped = db
    .prepare(`SELECT state, COUNT(*) AS n FROM jobs ${clause(where)} GROUP BY state`)
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
