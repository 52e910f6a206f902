// feeds.fetch: fetches RSS/Atom feeds and writes the entries not seen on an
// earlier run. IO-bound, so one worker runs the whole list with bounded async
// concurrency: a thread per feed would only add cost to waiting.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CancelledError, defineJob, type JobContext, writeFileAtomic, z } from '@threadline/core/job';
import { mapLimit } from './lib/concurrency.js';
import type { FeedEntry, ParsedFeed } from './lib/feed-parser.js';
import { fetchErrorMessage, readTextLimited } from './lib/http.js';
import { loadFeedParser } from './lib/lazy-imports.js';

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
  concurrency: z.number().int().min(1).max(64).default(4).describe('Feeds fetched at once'),
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
  /** Ids of entries already delivered, newest first, capped. */
  seen: string[];
  fetchedAt: string;
  etag?: string;
  lastModified?: string;
}
interface State {
  version: 1;
  feeds: Record<string, FeedState>;
}

/** Feeds list their latest few dozen entries; remembering this many ids covers any feed's window. */
const SEEN_CAP = 2000;

export interface FeedResult {
  url: string;
  status: 'fetched' | 'not-modified' | 'failed';
  title: string | null;
  entries: number;
  new: number;
  error?: string;
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
  run: async (options: Input, ctx) => {
    const output = resolve(options.output);
    const state = await readState(statePath(output));
    const fetchedAt = new Date().toISOString();
    const nextState: State = { version: 1, feeds: { ...state.feeds } };
    const urls = [...new Set(options.feeds)];
    // Per feed, in the order given: feeds finish in any order, the entries file should not depend on it.
    const freshByFeed: NewEntry[][] = urls.map(() => []);
    let freshCount = 0;
    let done = 0;
    ctx.progress(0, urls.length);

    const results = await mapLimit(
      urls,
      options.concurrency,
      async (url, index): Promise<FeedResult> => {
        const previous = state.feeds[url];
        const outcome = await fetchFeed(url, previous, options, ctx);
        let result: FeedResult;
        if (outcome.status === 'fetched') {
          const { feed } = outcome;
          const seen = new Set(previous?.seen);
          const newEntries = feed.entries.filter((entry) => !seen.has(entry.id));
          freshByFeed[index] = newEntries.map((entry) => ({ feed: url, feedTitle: feed.title, ...entry }));
          freshCount += newEntries.length;
          nextState.feeds[url] = {
            seen: [...new Set([...feed.entries.map((entry) => entry.id), ...(previous?.seen ?? [])])].slice(
              0,
              SEEN_CAP,
            ),
            fetchedAt,
            ...(outcome.etag ? { etag: outcome.etag } : {}),
            ...(outcome.lastModified ? { lastModified: outcome.lastModified } : {}),
          };
          result = {
            url,
            status: 'fetched',
            title: feed.title,
            entries: feed.entries.length,
            new: newEntries.length,
          };
        } else if (outcome.status === 'not-modified') {
          if (previous) nextState.feeds[url] = { ...previous, fetchedAt };
          result = { url, status: 'not-modified', title: null, entries: 0, new: 0 };
        } else {
          ctx.log('warn', `${url}: ${outcome.error}`);
          result = { url, status: 'failed', title: null, entries: 0, new: 0, error: outcome.error };
        }
        done++;
        ctx.progress(done, urls.length, `${done}/${urls.length} feeds, ${freshCount} new entries`);
        return result;
      },
      ctx.signal,
    );

    const failed = results.filter((result) => result.status === 'failed');
    if (failed.length === results.length) {
      throw new Error(`all ${results.length} feeds failed; first: ${failed[0]?.url}: ${failed[0]?.error}`);
    }
    ctx.throwIfCancelled();
    // Entries before state: a crash between the two delivers entries again next run, never loses them.
    let entriesFile: string | null = null;
    const fresh = freshByFeed.flat();
    if (fresh.length > 0) {
      entriesFile = join(output, `entries-${fetchedAt.replace(/[:.]/g, '-')}.jsonl`);
      await writeFileAtomic(entriesFile, fresh.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    }
    await writeFileAtomic(statePath(output), `${JSON.stringify(nextState, null, 2)}\n`);
    return {
      feeds: results.length,
      fetched: results.filter((result) => result.status === 'fetched').length,
      notModified: results.filter((result) => result.status === 'not-modified').length,
      failed: failed.length,
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
  | { status: 'not-modified' }
  | { status: 'failed'; error: string };

async function fetchFeed(
  url: string,
  previous: FeedState | undefined,
  options: Input,
  ctx: JobContext,
): Promise<FetchOutcome> {
  const { parseFeed } = await loadFeedParser();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  try {
    const headers: Record<string, string> = {
      accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
      'user-agent': 'threadline-feeds-fetch',
    };
    // Conditional requests: an unchanged feed costs the server a 304, not the whole document.
    if (previous?.etag) headers['if-none-match'] = previous.etag;
    if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
    const response = await fetch(url, { signal, headers });
    if (response.status === 304) return { status: 'not-modified' };
    if (!response.ok) {
      await response.body?.cancel();
      return {
        status: 'failed',
        error: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
      };
    }
    const body = await readTextLimited(response, options.maxBytes);
    return {
      status: 'fetched',
      feed: parseFeed(body),
      etag: response.headers.get('etag'),
      lastModified: response.headers.get('last-modified'),
    };
  } catch (error) {
    if (ctx.signal.aborted) throw new CancelledError();
    if (timeout.aborted) return { status: 'failed', error: `timed out after ${options.timeoutMs} ms` };
    return { status: 'failed', error: fetchErrorMessage(error) };
  }
}

async function readState(path: string): Promise<State> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, feeds: {} };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<State>;
  if (parsed.version !== 1 || typeof parsed.feeds !== 'object' || parsed.feeds === null) {
    throw new Error(`${path} is not a feeds.fetch state file`);
  }
  return parsed as State;
}
