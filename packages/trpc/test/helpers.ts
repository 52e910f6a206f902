import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type JobClient, type JobEvent } from '@threadline/core';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterEach } from 'vitest';
import { createAppRouter, createEventStream } from '../src/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export const onCleanup = (cleanup: () => Promise<void> | void) => cleanups.push(cleanup);

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-trpc-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function openEngine(): Promise<Engine> {
  const engine = await createEngine({
    dataDir: tempDir(),
    registry: { 'test.sleep': new URL('./fixtures/sleep.mjs', import.meta.url).href },
    poolSize: 2,
    graceMs: 500,
  });
  onCleanup(() => engine.close());
  return engine;
}

/** Reads events until `until` matches, or fails after `timeoutMs`. */
export async function collect(
  events: AsyncIterable<JobEvent>,
  until: (event: JobEvent) => boolean = (e) => e.type === 'finished',
  timeoutMs = 20_000,
): Promise<JobEvent[]> {
  const seen: JobEvent[] = [];
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`timed out; saw ${seen.map((e) => e.type).join(',')}`)),
      timeoutMs,
    ).unref(),
  );
  const read = (async () => {
    for await (const event of events) {
      seen.push(event);
      if (until(event)) return seen;
    }
    throw new Error(`stream ended; saw ${seen.map((e) => e.type).join(',')}`);
  })();
  return Promise.race([read, timeout]);
}

/** The router on a real HTTP server the way apps/web serves it: the event stream by its SSE writer, the rest by tRPC. */
export async function serveRouter(client: JobClient, pingMs = 1000): Promise<string> {
  const router = createAppRouter(client, { pingMs });
  const trpc = createHTTPHandler({ router, basePath: '/trpc/' });
  const events = createEventStream(router, client);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (events.matches(req, url)) void events.handle(req, res, url);
    else trpc(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;
}
