// GET /trpc/jobs.events for every SSE connection of a node:http server, in the
// wire format tRPC's `httpSubscriptionLink` reads (see frames.ts): the same
// input, errors and resumption as the router's `jobs.events` procedure, but one
// shared live subscription and one serialization per event instead of a
// generator and a chain of web streams per connection (bench measure 7).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type JobClient, type JobEvent, NotFoundError } from '@threadline/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { errorData, toTRPCError } from '../errors.js';
import { eventsInput, eventsOptions, parser } from '../inputs.js';
import { type AppRouter, sseSettingsOf } from '../router.js';
import { type BroadcastListener, EventBroadcast } from './broadcast.js';
import { connectedFrame, errorFrame, eventFrame, PING_FRAME, SSE_HEADERS } from './frames.js';

/** A subscriber this far behind is not coming back: close it; it reconnects and resumes from its Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Live events held while a resuming connection replays from the store. */
const MAX_PENDING_EVENTS = 10_000;
const PATH = 'jobs.events';

export interface EventStream {
  /** Whether this request is the event stream (a GET of jobs.events under `basePath`). */
  matches(req: IncomingMessage, url: URL): boolean;
  /** Serves the stream; the caller has already applied its security checks. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Ends every stream and the shared subscription. */
  close(): void;
}

/** The router's `jobs.events` over SSE for a node:http server; `client` is the one the router serves. */
export function createEventStream(router: AppRouter, client: JobClient, basePath = '/trpc/'): EventStream {
  const { pingMs, client: clientOptions } = sseSettingsOf(router);
  const connected = connectedFrame(clientOptions);
  const broadcast = new EventBroadcast(client);
  const connections = new Set<Connection>();

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
      const connection = new Connection(res, client);
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
        if (options.after !== undefined) await connection.replay(options.after);
      } catch (error) {
        if (res.destroyed) return;
        broadcast.delete(connection);
        res.end(errorFrame(errorShape(error)));
      }
    },

    close() {
      clearInterval(pinger);
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

/**
 * One SSE response. Live events come from the broadcast; a resuming connection
 * first replays from the client and holds live events until the two overlap,
 * then sends what it held past the replay: nothing lost, nothing repeated.
 */
class Connection implements BroadcastListener {
  jobId: string | undefined;
  lastWrite = Date.now();
  /** The seq of the last event sent (or resumed after). */
  private cursor: number | undefined;
  private pending: { seq: number; frame: string }[] | undefined;
  private readonly replaying = new AbortController();

  constructor(
    private readonly res: ServerResponse,
    private readonly client: JobClient,
  ) {}

  write(frame: string): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    this.lastWrite = Date.now();
    this.res.write(frame);
    // node:http buffers what the socket has not taken; past the limit the subscriber is hopeless.
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.res.destroy();
  }

  deliver(event: JobEvent, frame: string): void {
    if (this.jobId !== undefined && event.jobId !== this.jobId) return;
    if (this.pending) {
      // Live at or behind what the replay sent: the replay has caught up.
      if (this.cursor !== undefined && event.seq <= this.cursor) this.goLive();
      else if (this.pending.push({ seq: event.seq, frame }) > MAX_PENDING_EVENTS) this.res.destroy();
      return;
    }
    this.send(event.seq, frame);
  }

  end(): void {
    this.stopReplay();
    this.res.end();
  }

  async replay(after: number): Promise<void> {
    this.cursor = after;
    this.pending = [];
    try {
      for await (const event of this.client.events({
        ...(this.jobId !== undefined ? { jobId: this.jobId } : {}),
        after,
        signal: this.replaying.signal,
      })) {
        if (!this.pending) break;
        const first = this.pending[0];
        if (first && event.seq >= first.seq) {
          this.goLive();
          break;
        }
        this.send(event.seq, eventFrame(event));
      }
    } catch (error) {
      // Stopped on purpose (live, or the connection closed): not an error to report.
      if (!this.replaying.signal.aborted) throw error;
    }
  }

  stopReplay(): void {
    this.replaying.abort();
  }

  private goLive(): void {
    const held = this.pending ?? [];
    this.pending = undefined;
    this.stopReplay();
    for (const { seq, frame } of held) this.send(seq, frame);
  }

  private send(seq: number, frame: string): void {
    if (this.cursor !== undefined && seq <= this.cursor) return;
    this.cursor = seq;
    this.write(frame);
  }
}
