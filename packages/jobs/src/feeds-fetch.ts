// feeds.fetch: fetches RSS/Atom feeds and writes the entries not seen on an
// earlier run. Each feed is an item, so a feed that fails is a failed item
// with its reason, and feeds (and the parsing of a large one) spread over the
// pool's threads. The entries file and the state are written once, in
// summarize, from every feed's result: a cancelled run writes neither.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CancelledError, defineJob, type JobContext, z } from '@threadline/core/job';
import type { FeedEntry, ParsedFeed } from './lib/feed-parser.js';
import { fetchErrorMessage, readBytesLimited } from './lib/http.js';
import { loadFeedParser } from './lib/lazy-imports.js';
import { writeFileAtomicSync } from './lib/write-sync.js';

const input = z.object({
  feeds: z
    .array(z.url({ protocol: /^https?$/ }))
    .min(1)
    .describe('Feed URLs (RSS or Atom)'),
  output: z
    .string()
    .min(1)
    .default('feeds')
    .describe('Folder for new entries (one JSON Lines file per run) and the state of what was seen'),
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe(
      "Kept for older callers: each feed is an item, so the pool's threads (one feed each) set how many are fetched at once",
    ),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(15_000)
    .describe('Time limit per feed, in milliseconds'),
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024)
    .describe('Largest feed accepted, in bytes'),
});
type Input = z.infer<typeof input>;

/** What is remembered of a feed between runs. */
interface FeedState {
  /**
   * Ids of the entries the feed listed when last fetched, in its order: all of
   * them, however many, so no entry still listed is ever delivered twice.
   * An entry the feed no longer lists is forgotten with it.
   */
  seen: string[];
  fetchedAt: string;
  etag?: string;
  lastModified?: string;
}
interface State {
  version: 1;
  feeds: Record<string, FeedState>;
}

export interface FeedResult {
  url: string;
  status: 'fetched' | 'not-modified';
  title: string | null;
  entries: number;
  new: number;
}

/** What one feed's item hands to summarize: its line in the summary, its new entries, its next state. */
interface FeedOutcome extends FeedResult {
  fresh: NewEntry[];
  state: FeedState | null;
}

export interface NewEntry extends FeedEntry {
  feed: string;
  feedTitle: string | null;
}

export const statePath = (output: string) => join(resolve(output), 'state.json');

export default defineJob({
  name: 'feeds.fetch',
  title: 'Fetch feeds',
  description: 'Fetches RSS and Atom feeds and writes the entries that are new since the last run.',
  input,
  unit: 'feeds',
  items: (options: Input) => [...new Set(options.feeds)],
  process: async (url: string, ctx, options: Input): Promise<FeedOutcome> => {
    const previous = readState(statePath(options.output)).feeds[url];
    ctx.progress(0, undefined, `fetching ${url}`);
    const outcome = await fetchFeed(url, previous, options, ctx);
    const fetchedAt = new Date().toISOString();
    if (outcome.status === 'not-modified') {
      const state = previous ? { ...previous, fetchedAt } : null;
      return { url, status: 'not-modified', title: null, entries: 0, new: 0, fresh: [], state };
    }
    const { feed } = outcome;
    const seen = new Set(previous?.seen);
    const listed = new Set<string>();
    const fresh: NewEntry[] = [];
    for (const entry of feed.entries) {
      if (listed.has(entry.id)) continue; // listed twice in one feed: delivered once
      listed.add(entry.id);
      if (!seen.has(entry.id)) fresh.push({ feed: url, feedTitle: feed.title, ...entry });
    }
    const state: FeedState = {
      seen: [...listed],
      fetchedAt,
      ...(outcome.etag ? { etag: outcome.etag } : {}),
      ...(outcome.lastModified ? { lastModified: outcome.lastModified } : {}),
    };
    return {
      url,
      status: 'fetched',
      title: feed.title,
      entries: feed.entries.length,
      new: fresh.length,
      fresh,
      state,
    };
  },
  summarize: (outcomes, { input: options, total, failed, cancelled }) => {
    const fetchedAt = new Date().toISOString();
    let entriesFile: string | null = null;
    const output = resolve(options.output);
    const state = readState(statePath(output), { fresh: true });
    // A resumed run is handed the outcomes of the feeds its first run fetched: one whose state is
    // already the saved one was written by that run's summarize, and its entries are not new again.
    const written = (outcome: FeedOutcome) =>
      outcome.state !== null && state.feeds[outcome.url]?.fetchedAt === outcome.state.fetchedAt;
    const fresh = outcomes.flatMap((outcome) => (written(outcome) ? [] : outcome.fresh));
    // A cancelled run writes nothing: the next run fetches again and delivers the same entries, once.
    if (cancelled === 0 && outcomes.length > 0) {
      // Entries before state: a crash between the two delivers entries again next run, never loses them.
      if (fresh.length > 0) {
        entriesFile = join(output, `entries-${fetchedAt.replace(/[:.]/g, '-')}.jsonl`);
        writeFileAtomicSync(
          entriesFile,
          (function* () {
            for (const entry of fresh) yield `${JSON.stringify(entry)}\n`;
          })(),
        );
      }
      // Feeds that failed keep what they had; feeds no longer asked for are kept too.
      for (const outcome of outcomes) if (outcome.state) state.feeds[outcome.url] = outcome.state;
      writeFileAtomicSync(statePath(output), [`${JSON.stringify(state, null, 2)}\n`]);
    }
    const results: FeedResult[] = outcomes.map(({ fresh: _, state: __, ...result }) => result);
    return {
      feeds: total,
      fetched: results.filter((result) => result.status === 'fetched').length,
      notModified: results.filter((result) => result.status === 'not-modified').length,
      failed,
      cancelled,
      newEntries: fresh.length,
      entriesFile,
      results,
    };
  },
});

type FetchOutcome =
  | {
      status: 'fetched';
      feed: ParsedFeed;
      etag: string | null;
      lastModified: string | null;
    }
  | { status: 'not-modified' };

/** Fetches and parses one feed; a feed that cannot be had throws its reason (the item fails with it). */
async function fetchFeed(
  url: string,
  previous: FeedState | undefined,
  options: Input,
  ctx: JobContext,
): Promise<FetchOutcome> {
  const { parseFeedSteps, decodeFeed } = await loadFeedParser();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let response: Response;
  let body: Buffer;
  try {
    const headers: Record<string, string> = {
      accept:
        'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5',
      'user-agent': 'threadline-feeds-fetch',
    };
    // Conditional requests: an unchanged feed costs the server a 304, not the whole document.
    if (previous?.etag) headers['if-none-match'] = previous.etag;
    if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
    response = await fetch(url, { signal, headers });
    if (response.status === 304) return { status: 'not-modified' };
    if (!response.ok) {
      await response.body?.cancel();
      throw new FeedError(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    body = await readBytesLimited(response, options.maxBytes);
  } catch (error) {
    if (ctx.signal.aborted) throw new CancelledError();
    if (error instanceof FeedError) throw error;
    if (timeout.aborted) throw new FeedError(`timed out after ${options.timeoutMs} ms`);
    throw new FeedError(fetchErrorMessage(error));
  }
  const xml = decodeFeed(body, response.headers.get('content-type'));
  // In steps: between batches of entries the job can be cancelled, and shows how far the parse got.
  const steps = parseFeedSteps(xml, { baseUrl: response.url || url });
  let step = steps.next();
  while (!step.done) {
    ctx.throwIfCancelled();
    ctx.progress(
      step.value.done,
      step.value.total,
      `parsing: ${step.value.done}/${step.value.total} entries`,
    );
    await nextTurn(); // lets the abort of a cancel (and timers) through
    step = steps.next();
  }
  ctx.throwIfCancelled();
  return {
    status: 'fetched',
    feed: step.value,
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
  };
}

class FeedError extends Error {}

/** The state file, read once per thread while it is unchanged (every feed of a run reads it). */
let cached: { path: string; mtimeMs: number; size: number; state: State } | undefined;

function readState(path: string, { fresh = false } = {}): State {
  const file = resolve(path);
  let stats: { mtimeMs: number; size: number };
  try {
    stats = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, feeds: {} };
    throw error;
  }
  if (
    !fresh &&
    cached &&
    cached.path === file &&
    cached.mtimeMs === stats.mtimeMs &&
    cached.size === stats.size
  ) {
    return cached.state;
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<State>;
  if (parsed.version !== 1 || typeof parsed.feeds !== 'object' || parsed.feeds === null) {
    throw new Error(`${file} is not a feeds.fetch state file`);
  }
  const state = parsed as State;
  if (!fresh) cached = { path: file, mtimeMs: stats.mtimeMs, size: stats.size, state };
  return state;
}
