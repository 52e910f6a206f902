// The whole API on node:http: the event stream by the SSE writer, every other
// call by tRPC's own handler. `threadline serve` puts its request checks in
// front of it; the data directory's socket serves it as it is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobClient } from '@threadline/core';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createAppRouter } from './router.js';
import { createEventStream, type StreamLimits } from './sse/stream.js';

export interface ApiHandlerOptions {
  /** Where the API is mounted; default `/trpc/`. */
  basePath?: string;
  /** SSE keep-alive; default 5000 ms. */
  pingMs?: number;
  /** Largest request body; default tRPC's. */
  maxBodySize?: number;
  /** Calls in one batch; default unlimited. */
  maxBatchSize?: number;
  /** Bytes the event streams may hold unsent, each and together; defaults in DEFAULT_STREAM_LIMITS. */
  streamLimits?: StreamLimits;
}

export interface ApiHandler {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void;
  /** Ends every event stream. */
  close(): void;
}

export function createApiHandler(client: JobClient, options: ApiHandlerOptions = {}): ApiHandler {
  const basePath = options.basePath ?? '/trpc/';
  const router = createAppRouter(client, options.pingMs !== undefined ? { pingMs: options.pingMs } : {});
  const trpc = createHTTPHandler({
    router,
    basePath,
    ...(options.maxBodySize !== undefined ? { maxBodySize: options.maxBodySize } : {}),
    ...(options.maxBatchSize !== undefined ? { maxBatchSize: options.maxBatchSize } : {}),
  });
  const events = createEventStream(router, client, basePath, options.streamLimits);
  return {
    handle(req, res, url) {
      if (events.matches(req, url)) void events.handle(req, res, url);
      else void trpc(req, res);
    },
    close: () => events.close(),
  };
}
