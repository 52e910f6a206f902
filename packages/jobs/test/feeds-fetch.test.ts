import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError } from '@threadline/core/job';
import { describe, expect, it } from 'vitest';
import feedsFetch, { type NewEntry } from '../src/feeds-fetch.js';
import { parseFeed } from '../src/lib/feed-parser.js';
import { runInThread, testContext } from './helpers/context.js';
import { finished, openEngine } from './helpers/engine.js';
import { atom, rss, startFeedServer, xml } from './helpers/feed-server.js';
import { listTree, tempDir, tempFilesIn } from './helpers/temp.js';

const readEntries = async (path: string): Promise<NewEntry[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as NewEntry);

const rssItems = [
  { guid: 'r1', title: 'First', date: 'Mon, 01 Jan 2024 10:00:00 GMT' },
  { guid: 'r2', title: 'Second', date: 'Tue, 02 Jan 2024 10:00:00 GMT' },
];
const atomEntries = [{ id: 'urn:a1', title: 'Atom one', updated: '2024-02-01T00:00:00Z' }];

describe('feeds.fetch', () => {
  it('writes new entries of RSS and Atom feeds and reports each broken feed with its reason', async () => {
    const server = await startFeedServer({
      '/rss': xml(rss('RSS feed', rssItems)),
      '/atom': xml(atom('Atom feed', atomEntries)),
      '/malformed': xml('<rss><channel><item><title>oops</channel></rss>'),
      '/html': xml('<html><body>not a feed</body></html>'),
      '/slow': () => {}, // never answers
    });
    const output = tempDir();
    const feeds = ['/rss', '/atom', '/malformed', '/html', '/slow', '/missing'].map(server.url);

    // The slow feed never answers; the others answer at once, even on a loaded machine.
    const { summary, outcomes } = await runInThread(feedsFetch, { feeds, output, timeoutMs: 1500 });

    expect(summary).toMatchObject({ feeds: 6, fetched: 2, failed: 4, newEntries: 3 });
    // Each feed is an item: a broken one is a failed item, its reason the item's error.
    const errorOf = (path: string) => {
      const outcome = outcomes.find((o) => o.item === server.url(path));
      return outcome?.outcome === 'failed' ? outcome.error.message : undefined;
    };
    expect(errorOf('/malformed')).toMatch(/^malformed XML/);
    expect(errorOf('/html')).toBe('not an RSS, Atom or JSON feed');
    expect(errorOf('/slow')).toBe('timed out after 1500 ms');
    expect(errorOf('/missing')).toBe('HTTP 404 Not Found');

    const entries = await readEntries((summary as { entriesFile: string }).entriesFile);
    expect(entries.map((e) => [e.feedTitle, e.id, e.title, e.link, e.published])).toEqual([
      ['RSS feed', 'r1', 'First', 'https://example.org/r1', '2024-01-01T10:00:00.000Z'],
      ['RSS feed', 'r2', 'Second', 'https://example.org/r2', '2024-01-02T10:00:00.000Z'],
      ['Atom feed', 'urn:a1', 'Atom one', 'https://example.org/urn:a1', '2024-02-01T00:00:00.000Z'],
    ]);
    expect(entries[0]?.summary).toBe('About & around First');
  });

  it('on the next run writes only entries it has not seen, and asks with the ETag', async () => {
    let items = rssItems;
    const server = await startFeedServer({
      '/rss': (req, res) => xml(rss('RSS feed', items))(req, res),
      '/atom': (req, res) => {
        if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
        else xml(atom('Atom feed', atomEntries), { etag: '"v1"' })(req, res);
      },
    });
    const output = tempDir();
    const input = { feeds: [server.url('/rss'), server.url('/atom')], output };
    await runInThread(feedsFetch, input);

    items = [{ guid: 'r3', title: 'Third', date: 'Wed, 03 Jan 2024 10:00:00 GMT' }, ...rssItems];
    const { summary } = await runInThread(feedsFetch, input);

    expect(summary).toMatchObject({ fetched: 1, notModified: 1, failed: 0, newEntries: 1 });
    const entries = await readEntries((summary as { entriesFile: string }).entriesFile);
    expect(entries.map((e) => e.id)).toEqual(['r3']);

    const third = await runInThread(feedsFetch, input);
    expect(third.summary).toMatchObject({ newEntries: 0, entriesFile: null });
    const state = JSON.parse(await readFile(join(output, 'state.json'), 'utf8'));
    expect(state.feeds[server.url('/rss')].seen).toEqual(['r3', 'r1', 'r2']);
  });

  it('spreads feeds over the pool, a feed per thread at a time', async () => {
    const held: (() => void)[] = [];
    const server = await startFeedServer();
    // Each response waits until two requests are open at once, so the run only ends if it does overlap.
    for (let i = 0; i < 6; i++) {
      server.routes.set(`/f${i}`, (req, res) => {
        held.push(() => xml(rss(`feed ${i}`, [{ guid: `g${i}`, title: 't', date: '' }]))(req, res));
        if (server.inFlight >= 2) for (const release of held.splice(0)) release();
      });
    }
    const feeds = Array.from({ length: 6 }, (_, i) => server.url(`/f${i}`));

    const engine = await openEngine({ poolSize: 2 });
    const done = await finished(engine, (await engine.start('feeds.fetch', { feeds, output: tempDir() })).id);

    expect(done).toMatchObject({ state: 'succeeded', summary: { fetched: 6, newEntries: 6 } });
    expect(server.maxInFlight).toBe(2);
  });

  it('resumed after a feed failed, fetches only that feed and writes only its entries', async () => {
    const server = await startFeedServer({
      '/rss': xml(rss('RSS feed', rssItems)),
      '/atom': (_req, res) => {
        res.writeHead(503).end();
      },
    });
    const output = tempDir();
    const feeds = [server.url('/rss'), server.url('/atom')];
    const engine = await openEngine({ poolSize: 1 });
    const first = await engine.waitFor((await engine.start('feeds.fetch', { feeds, output })).id);
    expect(first).toMatchObject({ state: 'partial', summary: { newEntries: 2 } });

    server.routes.set('/atom', xml(atom('Atom feed', atomEntries)));
    const before = server.hits.length;
    const resumed = await engine.waitFor((await engine.resume(first.id)).id);

    expect(resumed).toMatchObject({ state: 'succeeded', summary: { fetched: 2, newEntries: 1 } });
    expect(server.hits.slice(before)).toEqual(['/atom']);
    const entries = await readEntries((resumed.summary as { entriesFile: string }).entriesFile);
    expect(entries.map((e) => e.id)).toEqual(['urn:a1']);
  });

  it('when cancelled mid-fetch, writes neither entries nor state', async () => {
    const server = await startFeedServer({ '/rss': xml(rss('RSS feed', rssItems)) });
    const ctx = testContext();
    server.routes.set('/slow', () => ctx.cancel());
    const output = tempDir();

    const { outcomes, summary } = await runInThread(
      feedsFetch,
      { feeds: [server.url('/rss'), server.url('/slow')], output },
      ctx,
    );

    expect(outcomes.map((o) => o.outcome)).toEqual(['succeeded', 'cancelled']);
    expect(outcomes[1] && 'error' in outcomes[1] ? outcomes[1].error : null).toBeInstanceOf(CancelledError);
    expect(summary).toMatchObject({ cancelled: 1, entriesFile: null });
    expect(await listTree(output)).toEqual([]);
    expect(await tempFilesIn(output)).toEqual([]);
  });

  it('fails the job only when every feed failed', async () => {
    const server = await startFeedServer();
    const engine = await openEngine({ poolSize: 1 });
    const input = { feeds: [server.url('/a'), server.url('/b')], output: tempDir() };
    const done = await finished(engine, (await engine.start('feeds.fetch', input)).id);
    expect(done).toMatchObject({ state: 'failed', items: { failed: 2 } });
    expect(done.error?.message).toMatch(/^all 2 items failed; first: HTTP 404/);
  });

  it('reads RSS 1.0 (RDF) feeds and falls back to the link as an entry id', () => {
    const feed = parseFeed(`<?xml version="1.0"?>
      <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel><title>RDF feed</title></channel>
        <item><title>One</title><link>https://example.org/1</link><dc:date>2024-03-01T12:00:00Z</dc:date></item>
      </rdf:RDF>`);
    expect(feed).toEqual({
      format: 'rdf',
      title: 'RDF feed',
      entries: [
        {
          id: 'https://example.org/1',
          title: 'One',
          link: 'https://example.org/1',
          published: '2024-03-01T12:00:00.000Z',
          summary: null,
        },
      ],
    });
  });
});
