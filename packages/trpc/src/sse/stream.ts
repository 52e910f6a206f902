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

/** Past this much a socket has not taken, a connection stops taking live frames and catches up from the store. */
const HIGH_WATER_BYTES = 64 * 1024;
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
        if (options.after !== undefined) await connection.resume(options.after);
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
 * One SSE response, flow-controlled. Live events come from the broadcast while
 * the socket keeps up. A connection that resumes, or whose socket has more
 * than HIGH_WATER_BYTES it has not taken, is "behind": it drops live frames
 * and reads what it missed from the client's own replay (the store), one frame
 * at a time as the socket drains, until that replay reaches what the broadcast
 * has delivered; then it is live again. A slow reader is never dropped and
 * never loses an event (an item failure, `finished`): it only reads them
 * later, and a server's memory holds at most HIGH_WATER_BYTES for it.
 */
class Connection implements BroadcastListener {
  jobId: string | undefined;
  lastWrite = Date.now();
  /** The seq of the last event sent (or resumed after). */
  private cursor: number | undefined;
  /** Set while behind: the latest seq the broadcast delivered meanwhile. */
  private behind: { latest: number | undefined } | undefined;
  private readonly closed = new AbortController();
  private corked = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly client: JobClient,
  ) {
    res.once('close', () => this.closed.abort());
  }

  write(frame: string): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    this.lastWrite = Date.now();
    // The frames of one turn of the event loop go out in one write: a fast job's burst was a
    // syscall per event per connection (500 streams made a 4 s job take 98 s).
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      setImmediate(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    this.res.write(frame);
  }

  deliver(event: JobEvent, frame: string): void {
    if (this.jobId !== undefined && event.jobId !== this.jobId) return;
    if (this.behind) {
      this.behind.latest = event.seq;
      return;
    }
    if (this.res.writableLength > HIGH_WATER_BYTES) {
      // This event and what follows come from the replay once the socket drains.
      this.catchUp(event.seq, false);
      return;
    }
    this.send(event.seq, frame);
  }

  end(): void {
    this.closed.abort();
    this.res.end();
  }

  /** Replays what followed `after`, then goes live; resolves when live again (or closed). */
  resume(after: number): Promise<void> {
    this.cursor = after;
    return this.catchUp(undefined, true);
  }

  stopReplay(): void {
    this.closed.abort();
  }

  private async catchUp(latest: number | undefined, now: boolean): Promise<void> {
    if (this.behind) return;
    const behind = { latest };
    this.behind = behind;
    const { signal } = this.closed;
    try {
      if (!now) await this.drained();
      const after = this.cursor ?? 0;
      for await (const event of this.client.events({
        ...(this.jobId !== undefined ? { jobId: this.jobId } : {}),
        after,
        signal,
      })) {
        if (signal.aborted) break;
        this.send(event.seq, eventFrame(event));
        // Caught up with the broadcast: every later event reaches deliver(), which sends it. Live
        // from now, not once the replay has ended: ending it awaits, and deliver() may run meanwhile.
        if (behind.latest !== undefined && event.seq >= behind.latest) {
          this.behind = undefined;
          break;
        }
        if (this.res.writableLength > HIGH_WATER_BYTES) await this.drained();
      }
    } catch (error) {
      // Stopped on purpose (the connection closed): not an error to report.
      if (!signal.aborted) throw error;
    } finally {
      if (this.behind === behind) this.behind = undefined;
    }
  }

  /** Resolves when the socket has taken what it holds, or the connection closed. */
  private drained(): Promise<void> {
    if (this.res.writableLength === 0 || this.closed.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.closed.signal.removeEventListener('abort', done);
        resolve();
      };
      this.res.once('drain', done);
      this.closed.signal.addEventListener('abort', done, { once: true });
    });
  }

  private send(seq: number, frame: string): void {
    if (this.cursor !== undefined && seq <= this.cursor) return;
    this.cursor = seq;
    this.write(frame);
  }
}
