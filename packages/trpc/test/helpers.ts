import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine, type Engine, type JobClient } from '@threadline/core';
import { cleanupStack } from '@threadline/testing';
import { afterEach } from 'vitest';
import { createApiHandler } from '../src/index.js';

export { collect } from '@threadline/testing';

const cleanups = cleanupStack();
afterEach(cleanups.run);
export const onCleanup = cleanups.add;

export const tempDir = (): string => cleanups.tempDir('trpc');

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

/** The router on a real HTTP server the way packages/web serves it: the event stream by its SSE writer, the rest by tRPC. */
export async function serveRouter(client: JobClient, pingMs = 1000): Promise<string> {
  const api = createApiHandler(client, { pingMs });
  const server = createServer((req, res) =>
    api.handle(req, res, new URL(req.url ?? '/', 'http://localhost')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        api.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;
}
