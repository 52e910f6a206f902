// GET /trpc/jobs.events for every SSE connection of a node:http server, in the
// wire format tRPC's `httpSubscriptionLink` reads (see frames.ts): the same
// input, errors and resumption as the router's `jobs.events` procedure, but one
// shared live subscription and one serialization per event instead of a
// generator and a chain of web streams per connection (bench measure 7).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type JobClient, NotFoundError } from '@threadline/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { errorData, toTRPCError } from '../errors.js';
import { eventsInput, eventsOptions, parser } from '../inputs.js';
import { type AppRouter, sseSettingsOf } from '../router.js';
import { EventBroadcast } from './broadcast.js';
import { Connection } from './connection.js';
import { connectedFrame, errorFrame, PING_FRAME, SSE_HEADERS } from './frames.js';
import { StorePages } from './store-pages.js';

const PATH = 'jobs.events';

export interface StreamLimits {
  /** Bytes unsent in the server past which one stream stops taking live events and catches up later; default 64 KiB. */
  streamBufferBytes?: number;
  /** Bytes unsent over every stream together past which none that has any unsent takes live events; default 32 MiB. */
  totalBufferBytes?: number;
}

export const DEFAULT_STREAM_LIMITS: Required<StreamLimits> = {
  streamBufferBytes: 64 * 1024,
  totalBufferBytes: 32 * 1024 * 1024,
};

/**
 * The recent frames kept for connections that fall behind. A 20,000-item job with every other
 * item failing is ~4 MB of frames: lagging readers of such a job catch up from shared bytes, and
 * only a reader further back reads (and serializes) from the store.
 */
const LOG_BYTES = 8 * 1024 * 1024;

export interface EventStream {
  /** Whether this request is the event stream (a GET of jobs.events under `basePath`). */
  matches(req: IncomingMessage, url: URL): boolean;
  /** Serves the stream; the caller has already applied its security checks. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Ends every stream and the shared subscription. */
  close(): void;
}

/** The router's `jobs.events` over SSE for a node:http server; `client` is the one the router serves. */
export function createEventStream(
  router: AppRouter,
  client: JobClient,
  basePath = '/trpc/',
  streamLimits: StreamLimits = {},
): EventStream {
  const { pingMs, client: clientOptions } = sseSettingsOf(router);
  const limits = { ...DEFAULT_STREAM_LIMITS, ...streamLimits };
  const connected = connectedFrame(clientOptions);
  const connections = new Set<Connection>();
  // Summed once a turn, before the turn's batch goes out: 500 reads of a number.
  let crowded = false;
  const broadcast = new EventBroadcast(client, LOG_BYTES, () => {
    let unsent = 0;
    for (const connection of connections) unsent += connection.unsent;
    crowded = unsent > limits.totalBufferBytes;
  });
  const connectionLimits = { bufferBytes: limits.streamBufferBytes, crowded: () => crowded };
  const closed = new AbortController();
  const pages = new StorePages(client, () => broadcast.lastSeq, closed.signal);

  // One timer for every connection: a ping to each that has been silent for half
  // the interval, so none is silent for longer than the interval.
  const pinger = setInterval(() => {
    const quiet = Date.now() - pingMs / 2;
    for (const connection of connections) if (connection.lastWrite <= quiet) connection.write(PING_FRAME);
  }, pingMs / 2);
  pinger.unref();

  // The shape tRPC's default formatter gives, plus what the router's formatter adds (errorData),
  // built from tRPC's public exports.
  const errorShape = (cause: unknown) => {
    const error = toTRPCError(cause);
    return {
      message: error.message,
      code: TRPC_ERROR_CODES_BY_KEY[error.code],
      data: {
        code: error.code,
        httpStatus: getHTTPStatusCodeFromError(error),
        path: PATH,
        ...errorData(error),
      },
    };
  };

  return {
    matches: (req, url) =>
      req.method === 'GET' && url.pathname === `${basePath}${PATH}` && !url.searchParams.has('batch'),

    async handle(req, res, url) {
      res.writeHead(200, SSE_HEADERS);
      res.write(connected);
      let input: unknown;
      try {
        input = rawInput(req, url);
      } catch (error) {
        res.end(errorFrame(errorShape(error)));
        return;
      }
      const connection = new Connection(res, broadcast, pages, connectionLimits);
      connections.add(connection);
      res.once('close', () => {
        connections.delete(connection);
        broadcast.delete(connection);
        connection.stopReplay();
      });
      try {
        const options = eventsOptions(parser(eventsInput)(input));
        if (options.jobId !== undefined && (await client.get(options.jobId)) === undefined) {
          throw new NotFoundError(`no job with id ${options.jobId}`);
        }
        if (res.destroyed) return;
        connection.jobId = options.jobId;
        // Join the live stream before replaying: every event is then replayed, live, or both (deduplicated by seq).
        broadcast.add(connection);
        if (options.after !== undefined) await connection.resume(options.after);
      } catch (error) {
        if (res.destroyed) return;
        broadcast.delete(connection);
        res.end(errorFrame(errorShape(error)));
      }
    },

    close() {
      clearInterval(pinger);
      closed.abort();
      broadcast.close();
      for (const connection of connections) connection.end();
    },
  };
}

/** The input as tRPC's HTTP adapter reads it: `?input=` JSON, plus the Last-Event-ID of a reconnect. */
function rawInput(req: IncomingMessage, url: URL): unknown {
  const text = url.searchParams.get('input');
  let input: unknown;
  try {
    input = text === null ? undefined : JSON.parse(text);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause });
  }
  const header = req.headers['last-event-id'];
  const lastEventId =
    (Array.isArray(header) ? header[0] : header) ??
    url.searchParams.get('lastEventId') ??
    url.searchParams.get('Last-Event-Id');
  if (lastEventId) {
    if (input !== null && typeof input === 'object' && !Array.isArray(input))
      input = { ...input, lastEventId };
    else input ??= { lastEventId };
  }
  return input;
}
