// feeds.fetch on feeds as servers send them (helpers/feed-corpus.ts), through
// a real HTTP server: legacy charsets, entities, CDATA, RDF, Atom with
// xml:base, podcasts, a BOM; a 50,000-entry feed fetched twice; a large feed
// cancelled while it is being parsed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobEvent } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import feedsFetch, { type NewEntry } from '../src/feeds-fetch.js';
import { decodeFeed, parseFeed, parseFeedSteps } from '../src/lib/feed-parser.js';
import { runInThread } from './helpers/context.js';
import { finished, openEngine, waitForEvent } from './helpers/engine.js';
import { bigFeed, corpusFeeds } from './helpers/feed-corpus.js';
import { type Route, startFeedServer } from './helpers/feed-server.js';
import { tempDir } from './helpers/temp.js';

const bytes =
  (body: Buffer | string, contentType: string): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType }).end(body);
  };

const readEntries = async (path: string): Promise<NewEntry[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as NewEntry);

describe('feeds.fetch on feeds as servers send them', () => {
  it.each(corpusFeeds.map((feed) => [feed.name, feed] as const))('%s', async (_name, feed) => {
    const server = await startFeedServer({ [feed.path]: bytes(feed.body, feed.contentType) });
    const output = tempDir();

    const { summary } = await runInThread(feedsFetch, { feeds: [server.url(feed.path)], output });

    expect(summary).toMatchObject({ fetched: 1, failed: 0, newEntries: feed.expected.entries.length });
    const entries = await readEntries((summary as { entriesFile: string }).entriesFile);
    expect(entries[0]?.feedTitle).toBe(feed.expected.title);
    expect(entries).toMatchObject(
      feed.expected.entries.map((entry) => ({
        title: entry.title,
        link: entry.link,
        ...(entry.summary === undefined ? {} : { summary: entry.summary }),
        ...(entry.enclosure ? { enclosure: entry.enclosure } : {}),
        ...(entry.id ? { id: entry.id } : {}),
      })),
    );
    for (const entry of entries) expect(entry.id, JSON.stringify(entry)).toMatch(/\S/);
  });

  it('keeps entries without a guid, link or title, under keys that stay the same run after run', async () => {
    const feed = corpusFeeds.find((f) => f.path === '/podcast.rss')!;
    const server = await startFeedServer({ [feed.path]: bytes(feed.body, feed.contentType) });
    const input = { feeds: [server.url(feed.path)], output: tempDir() };

    const first = await runInThread(feedsFetch, input);
    const second = await runInThread(feedsFetch, input);

    expect(first.summary).toMatchObject({ newEntries: 3 });
    const ids = (await readEntries((first.summary as { entriesFile: string }).entriesFile)).map((e) => e.id);
    expect(ids).toEqual([
      'https://cdn.example.org/ep1.mp3',
      'https://cdn.example.org/ep2.mp3',
      expect.stringMatching(/^urn:sha256:[0-9a-f]{32}$/),
    ]);
    expect(second.summary).toMatchObject({ fetched: 1, newEntries: 0, entriesFile: null });
  });
});

describe('decoding', () => {
  it('reads the charset from the Content-Type, then the declaration, then the BOM', () => {
    const latin = Buffer.from('<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>', 'latin1');
    expect(decodeFeed(latin, 'text/xml')).toBe('<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>');
    // The header wins over the declaration.
    const utf8 = Buffer.from('<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>', 'utf8');
    expect(decodeFeed(utf8, 'text/xml; charset="UTF-8"')).toContain('<a>é</a>');
    // windows-1252's own bytes (0x80–0x9F), which Node 20's TextDecoder drops.
    expect(
      decodeFeed(Buffer.from([0x3c, 0x61, 0x3e, 0x93, 0x80, 0x94, 0x3c]), 'text/xml; charset=windows-1252'),
    ).toBe('<a>“€”<');
    // An unknown label is passed over.
    expect(decodeFeed(Buffer.from('<a>é</a>'), 'text/xml; charset=x-no-such')).toBe('<a>é</a>');
  });
});

describe('large feeds', () => {
  it('remembers every entry of a 50,000-entry feed, so the second run finds nothing new', async () => {
    let body = bigFeed(50_000);
    const server = await startFeedServer({
      '/big': (req, res) => bytes(body, 'application/rss+xml')(req, res),
    });
    const output = tempDir();
    const input = { feeds: [server.url('/big')], output };

    const started = performance.now();
    const first = await runInThread(feedsFetch, input);
    const firstMs = performance.now() - started;
    const secondStarted = performance.now();
    const second = await runInThread(feedsFetch, input);
    const secondMs = performance.now() - secondStarted;
    body = bigFeed(50_000).replace('<item>', '<item><title>Newest</title><guid>newest</guid></item><item>');
    const third = await runInThread(feedsFetch, input);

    expect(first.summary).toMatchObject({ fetched: 1, newEntries: 50_000 });
    expect(second.summary).toMatchObject({ fetched: 1, newEntries: 0 });
    expect(third.summary).toMatchObject({ newEntries: 1 });
    const state = JSON.parse(await readFile(join(output, 'state.json'), 'utf8'));
    expect(state.feeds[server.url('/big')].seen).toHaveLength(50_001);
    console.info(`50,000 entries: first run ${Math.round(firstMs)} ms, second ${Math.round(secondMs)} ms`);
  }, 120_000);

  it('parses a large feed in steps: progress moves, and a cancel lands without a hard kill', async () => {
    const server = await startFeedServer({ '/huge': bytes(bigFeed(60_000), 'application/rss+xml') });
    // A grace period far longer than the test: only a cooperative cancel can end the job in time.
    const engine = await openEngine({ poolSize: 1, graceMs: 120_000 });
    const job = await engine.start('feeds.fetch', { feeds: [server.url('/huge')], output: tempDir() });

    const parsing = await waitForEvent(
      engine,
      job.id,
      (event: JobEvent): event is Extract<JobEvent, { type: 'progress' }> =>
        event.type === 'progress' &&
        (event.progress.message?.startsWith('parsing: ') ?? false) &&
        (event.progress.fraction ?? 0) > 0,
      60_000,
    );
    expect(parsing.progress.fraction).toBeLessThan(1);
    const asked = performance.now();
    await engine.cancel(job.id);
    const done = await finished(engine, job.id, 20_000);

    expect(done.state).toBe('cancelled');
    expect(done.items).toMatchObject({ cancelled: 1, failed: 0 });
    const latency = performance.now() - asked;
    expect(latency).toBeLessThan(15_000);
    console.info(`cancel during the parse: finished ${Math.round(latency)} ms after it was asked`);
  }, 120_000);
});

describe('the parser', () => {
  it('cuts entries without being fooled by CDATA, comments, a DOCTYPE or > in attributes', () => {
    const feed = parseFeed(`<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY brand "Acme">]>
<rss version="2.0"><channel><title>T</title><!-- <item>not one</item> -->
<item><title a="x>y">One</title><description><![CDATA[</item><item>]]></description><guid>1</guid></item>
<item/>
</channel></rss>`);
    // The empty <item/> has nothing to deliver (feedsmith leaves it out).
    expect(feed.entries.map((entry) => [entry.id, entry.title, entry.summary])).toEqual([
      ['1', 'One', '</item><item>'],
    ]);
  });

  it('maps a large JSON Feed a batch of items at a time', () => {
    const items = Array.from({ length: 1200 }, (_, i) => ({
      id: `j-${i}`,
      title: `Item ${i}`,
      url: `/j/${i}`,
    }));
    const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'Big JSON', items });
    const steps = parseFeedSteps(json, { baseUrl: 'https://example.org/feed.json', batch: 500 });
    const seen: { done: number; total: number }[] = [];
    let step = steps.next();
    for (; !step.done; step = steps.next()) seen.push(step.value);
    expect(seen).toEqual([
      { done: 500, total: 1200 },
      { done: 1000, total: 1200 },
      { done: 1200, total: 1200 },
    ]);
    expect(step.value).toMatchObject({ format: 'json', title: 'Big JSON' });
    expect(step.value.entries).toHaveLength(1200);
    expect(step.value.entries[1199]).toEqual({
      id: 'j-1199',
      title: 'Item 1199',
      link: 'https://example.org/j/1199',
      published: null,
      summary: null,
    });
  });

  it('says why a document is not a feed', () => {
    expect(() => parseFeed('<rss><channel><item><title>oops</channel></rss>')).toThrow(
      /^malformed XML: <item> at line 1 is never closed/,
    );
    expect(() => parseFeed('<html><body>not a feed</body></html>')).toThrow(
      /^not an RSS, Atom or JSON feed$/,
    );
    expect(() => parseFeed('{"name": "a package.json"}')).toThrow(/^not a JSON Feed/);
    expect(() => parseFeed('{"version": "https://jsonfeed.org/version/1.1", "items": [')).toThrow(
      /^malformed JSON: /,
    );
  });
});

describe('links', () => {
  it('resolves relative links against the feed URL when there is no xml:base', async () => {
    const body = `<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>
      <item><title>Rel</title><link>posts/7</link></item><item><title>Abs</title><link>/top</link></item></channel></rss>`;
    const server = await startFeedServer({ '/blog/feed.xml': bytes(body, 'application/rss+xml') });
    const { summary } = await runInThread(feedsFetch, {
      feeds: [server.url('/blog/feed.xml')],
      output: tempDir(),
    });
    const entries = await readEntries((summary as { entriesFile: string }).entriesFile);
    expect(entries.map((e) => e.link)).toEqual([server.url('/blog/posts/7'), server.url('/top')]);
  });
});
