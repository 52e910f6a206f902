import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { createAppRouter, createEventStream, createTrpcClient } from '@threadline/trpc';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';

// The server side: the router over the engine, its event stream in front of tRPC's handler.
const engine = await createEngine({ registry: builtinJobs });
const router = createAppRouter(engine);
const trpcHandler = createHTTPHandler({ router, basePath: '/trpc/' });
const events = createEventStream(router, engine, '/trpc/');
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (events.matches(req, url)) return void events.handle(req, res, url);
  trpcHandler(req, res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

// The client side, in any other process: a JobClient over HTTP and SSE.
const client = createTrpcClient(`http://127.0.0.1:${port}/trpc`);
try {
  const job = await client.start('demo.sleep', { items: 10, ms: 20 });
  for await (const event of client.events({ jobId: job.id, after: 0 })) {
    if (event.type === 'finished') {
      console.log(event.state, event.summary);
      break;
    }
  }
  console.log(await client.get('no-such-job')); // undefined, as from the engine itself
} finally {
  await client.close();
  events.close(); // ends the SSE streams, which never end by themselves
  server.closeAllConnections(); // and idle keep-alive connections
  await new Promise((resolve) => server.close(resolve));
  await engine.close();
}
