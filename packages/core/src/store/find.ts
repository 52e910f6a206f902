// Finding jobs over the whole history: a page newest first (keyset paging on
// `pos`, so a deep page costs what the first does) and the counts per state of
// the same filters without the state, which the page's tabs show. A text is
// counted up to COUNT_LIMIT matches, so a text in every job costs what a page does.
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
// through it is ~1-10 ms (see bench measure `find`).
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
/**
 * A text is counted up to this many matches, the oldest first (FTS5 reads its doclists forward
 * at a third of the cost of backward; any of them bound the counts as well). Counting all of a
 * text in every one of 100,000 jobs took 0.4-2.3 s (measure 11), ~210 ms of CPU; this many, ~15.
 * Past it each state's count is at least what it says, and the page says so (`countLimit`).
 */
export const COUNT_LIMIT = 10_000;

/** LIKE's own characters in a needle match themselves. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
/** One phrase of the text's trigrams: the text as a substring, case-insensitively. */
const phrase = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * The index the counts read: SQLite, with no statistics, took the state index for every GROUP BY
 * and read each row for its creation time (140 ms for the last day of 100,000 jobs, 1 ms so).
 */
function countIndex(query: JobQuery): string {
  if (query.createdFrom !== undefined || query.createdTo !== undefined) return 'INDEXED BY jobs_created';
  if (query.name) return 'INDEXED BY jobs_name_state';
  return 'INDEXED BY jobs_state_pos';
}

/** Where a query's rows come from, newest first by `key` (a job's pos), and what they must match. */
interface Rows {
  from: string;
  key: string;
  where: string[];
  params: unknown[];
}

/**
 * The ways to read the jobs a text is in. `index`: the trigram index in rowid order, joined to the
 * jobs, so reading stops at the LIMIT; fast from the newest, but FTS5 seeks a bound (a cursor)
 * by walking to it, ~120 ms deep in 100,000 matches. `set`: every match of the index first, then
 * the jobs among them: the cost of all the matches, bounded when they were all counted.
 * `row`: each job's text matched in turn; cheap when the text is in most of the jobs read.
 */
function textRows(how: 'index' | 'set' | 'row', text: string): Rows {
  if (how === 'index')
    return {
      from: 'jobs_search s CROSS JOIN jobs j ON j.pos = s.rowid',
      key: 's.rowid',
      where: ['jobs_search MATCH ?'],
      params: [phrase(text)],
    };
  if (how === 'set')
    return {
      from: 'jobs j',
      key: 'j.pos',
      where: ['j.pos IN (SELECT rowid FROM jobs_search WHERE jobs_search MATCH ?)'],
      params: [phrase(text)],
    };
  return {
    from: 'jobs j',
    key: 'j.pos',
    where: [`(${searched('j')}) LIKE ? ESCAPE '\\'`],
    params: [likePattern(text)],
  };
}

/** The filters but state and cursor: name and creation time (bounded on the key too, see below). */
function filtered(rows: Rows, query: JobQuery): Rows {
  const where = [...rows.where];
  const params = [...rows.params];
  if (query.name) {
    where.push('j.name = ?');
    params.push(query.name);
  }
  // Bounds on pos as well: a page scans newest first, and would read every newer job to reach old ones.
  if (query.createdFrom !== undefined) {
    where.push(
      `j.created_at >= ? AND ${rows.key} >= (SELECT MIN(pos) FROM jobs INDEXED BY jobs_created WHERE created_at >= ?)`,
    );
    params.push(query.createdFrom, query.createdFrom);
  }
  if (query.createdTo !== undefined) {
    where.push(
      `j.created_at < ? AND ${rows.key} <= (SELECT MAX(pos) FROM jobs INDEXED BY jobs_created WHERE created_at < ?)`,
    );
    params.push(query.createdTo, query.createdTo);
  }
  return { ...rows, where, params };
}

const whereOf = (parts: string[]) => (parts.length ? `WHERE ${parts.join(' AND ')}` : '');

/** The counts per state, and whether counting stopped at COUNT_LIMIT. */
function countStates(db: Database.Database, query: JobQuery, text: string | undefined) {
  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  const rows = text
    ? filtered(textRows([...text].length >= TRIGRAM ? 'index' : 'row', text), query)
    : filtered({ from: `jobs j ${countIndex(query)}`, key: 'j.pos', where: [], params: [] }, query);
  // Without a text the indexes count every match at once; a text's are counted one by one, so only so many.
  const sql = text
    ? `SELECT state, COUNT(*) AS n FROM (SELECT j.state FROM ${rows.from} ${whereOf(rows.where)}
       ORDER BY ${rows.key} LIMIT ${COUNT_LIMIT}) GROUP BY state`
    : `SELECT state, COUNT(*) AS n FROM ${rows.from} ${whereOf(rows.where)} GROUP BY state`;
  const grouped = db.prepare(sql).all(...rows.params) as { state: JobState; n: number }[];
  for (const row of grouped) counts[row.state] = row.n;
  const counted = grouped.reduce((sum, row) => sum + row.n, 0);
  return { counts, capped: text !== undefined && counted >= COUNT_LIMIT };
}

export function findJobs(db: Database.Database, query: JobQuery = {}): JobPage {
  const text = query.text?.trim() || undefined;
  const states = query.state === undefined ? [] : Array.isArray(query.state) ? query.state : [query.state];
  let cursor: number | undefined;
  if (query.cursor !== undefined) {
    cursor = Number(query.cursor);
    if (!/^\d+$/.test(query.cursor) || !Number.isSafeInteger(cursor))
      throw new ValidationError(`cursor: "${query.cursor}" is not a page's next`, [
        { path: 'cursor', message: 'not a page cursor' },
      ]);
  }
  const limit = query.limit ?? DEFAULT_LIMIT;
  const { counts, capped } = countStates(db, query, text);
  const shown: readonly JobState[] = states.length ? states : JOB_STATES;
  const inPage = shown.reduce((sum, state) => sum + counts[state], 0);

  let source: Rows | undefined = { from: 'jobs j', key: 'j.pos', where: [], params: [] };
  if (text && !capped && inPage === 0)
    source = undefined; // every match counted, none in these states
  else if (text && [...text].length < TRIGRAM) source = textRows('row', text);
  else if (text && !capped) source = textRows('set', text);
  else if (text) {
    // A text in very many jobs: from the newest, the index finds a page at once, unless the states
    // hold less than a page of the counted matches. Deeper (a cursor), matching row by row finds one
    // in the next few jobs. LIKE folds ASCII case only: a text with other letters keeps to the index.
    const fewInStates = states.length > 0 && inPage <= limit;
    const ascii = /^[\x20-\x7e]*$/.test(text);
    source = ascii && (cursor !== undefined || fewInStates) ? textRows('row', text) : textRows('index', text);
  }
  let found: { pos: number; data: string }[] = [];
  if (source) {
    const rows = filtered(source, query);
    const where = [...rows.where];
    const params = [...rows.params];
    if (states.length) {
      where.push(`j.state IN (${states.map(() => '?').join(', ')})`);
      params.push(...states);
    }
    if (cursor !== undefined) {
      where.push(`${rows.key} < ?`);
      params.push(cursor);
    }
    found = db
      .prepare(`SELECT j.pos, j.data FROM ${rows.from} ${whereOf(where)} ORDER BY ${rows.key} DESC LIMIT ?`)
      .all(...params, limit + 1) as { pos: number; data: string }[];
  }
  const more = found.length > limit;
  const page = more ? found.slice(0, limit) : found;
  return {
    jobs: page.map((row) => JSON.parse(row.data) as JobSnapshot),
    counts,
    ...(capped ? { countLimit: COUNT_LIMIT } : {}),
    next: more ? String(page.at(-1)!.pos) : null,
  };
}
