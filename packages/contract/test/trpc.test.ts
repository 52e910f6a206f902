// The tRPC client against the router over an engine, on a real HTTP server,
// served the way `threadline serve` serves it (the event stream by its SSE writer).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine } from '@threadline/core';
import { cleanupStack } from '@threadline/testing';
import { createAppRouter, createEventStream, createTrpcClient } from '@threadline/trpc';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterEach } from 'vitest';
import { CONTRACT_REGISTRY, jobClientContract } from '../src/suite.js';

const cleanups = cleanupStack();
afterEach(cleanups.run);

jobClientContract('the tRPC client', async () => {
  const engine = await createEngine({
    dataDir: cleanups.tempDir('contract'),
    registry: CONTRACT_REGISTRY,
    poolSize: 2,
    graceMs: 500,
  });
  cleanups.add(() => engine.close());
  const router = createAppRouter(engine, { pingMs: 1000 });
  const trpc = createHTTPHandler({ router, basePath: '/trpc/' });
  const events = createEventStream(router, engine);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (events.matches(req, url)) void events.handle(req, res, url);
    else trpc(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.add(
    () =>
      new Promise<void>((resolve) => {
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const client = createTrpcClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`);
  cleanups.add(() => client.close());
  return { client };
});
