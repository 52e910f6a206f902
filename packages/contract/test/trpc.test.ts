// The tRPC client against the router over an engine, on a real HTTP server,
// served the way `threadline serve` serves it (the event stream by its SSE writer).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanupStack } from '@threadline/testing';
import { createApiHandler, createTrpcClient } from '@threadline/trpc';
import { afterEach } from 'vitest';
import { jobClientContract, openContractEngine } from '../src/suite.js';

const cleanups = cleanupStack();
afterEach(cleanups.run);

jobClientContract('the tRPC client', async () => {
  const engine = await openContractEngine(cleanups);
  const api = createApiHandler(engine, { pingMs: 1000 });
  const server = createServer((req, res) =>
    api.handle(req, res, new URL(req.url ?? '/', 'http://localhost')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.add(
    () =>
      new Promise<void>((resolve) => {
        api.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const client = createTrpcClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`);
  cleanups.add(() => client.close());
  return { client };
});
