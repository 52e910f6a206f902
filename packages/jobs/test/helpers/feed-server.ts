// A real HTTP server on 127.0.0.1 (a free port chosen by the OS) serving
// fixture feeds. Routes are plain functions, so a test can change a feed
// between runs or hold a response open.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './temp.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface FeedServer {
  url(path: string): string;
  routes: Map<string, Route>;
  /** Requests seen, by path. */
  hits: string[];
  inFlight: number;
  maxInFlight: number;
}

export async function startFeedServer(routes: Record<string, Route> = {}): Promise<FeedServer> {
  const state: FeedServer = {
    url: () => '',
    routes: new Map(Object.entries(routes)),
    hits: [],
    inFlight: 0,
    maxInFlight: 0,
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    state.hits.push(path);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    const route = state.routes.get(path);
    if (route) route(req, res);
    else res.writeHead(404, 'Not Found').end('no such feed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = (path) => `http://127.0.0.1:${port}${path}`;
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return state;
}

export const xml =
  (body: string, headers: Record<string, string> = {}): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', ...headers }).end(body);
  };

export function rss(title: string, items: { guid: string; title: string; date: string }[]): string {
  const entries = items
    .map(
      (item) => `<item><title>${item.title}</title><link>https://example.org/${item.guid}</link>
        <guid isPermaLink="false">${item.guid}</guid><pubDate>${item.date}</pubDate>
        <description>About &amp; around ${item.title}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title>${entries}</channel></rss>`;
}

export function atom(title: string, entries: { id: string; title: string; updated: string }[]): string {
  const body = entries
    .map(
      (entry) => `<entry><id>${entry.id}</id><title type="text">${entry.title}</title>
        <link rel="self" href="https://example.org/self/${entry.id}"/>
        <link rel="alternate" href="https://example.org/${entry.id}"/>
        <updated>${entry.updated}</updated><summary>${entry.title} summary</summary></entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>${title}</title>${body}</feed>`;
}
