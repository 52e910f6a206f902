// A JobClient over the tRPC router, for UIs that attach to a running server
// (the TUI, the watcher). Queries and mutations go over plain HTTP; events over
// SSE, resumed from the last event's seq after any disconnect.
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CancelOptions,
  ClearOptions,
  EventsOptions,
  ItemPage,
  ItemQuery,
  JobClient,
  JobDefinitionInfo,
  JobDetails,
  JobEvent,
  JobFilter,
  JobPage,
  JobQuery,
  JobSnapshot,
  ScheduleInfo,
  StartOptions,
  Timeline,
  WorkersView,
} from '@threadline/core';
import { backoffMs, PushStream } from '@threadline/core/client';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { fromClientError, isRefusal } from './errors.js';
import type { AppRouter } from './router.js';
import { socketFetch } from './socket/fetch.js';

export interface TrpcClientOptions {
  /** The server's access token, sent as `Authorization: Bearer`. */
  token?: string | undefined;
  /** Reach the server over this Unix socket (a data directory's `engine.sock`) instead of TCP. */
  socketPath?: string;
}

/** A JobClient talking to a Threadline server; `url` is its tRPC endpoint, e.g. `http://127.0.0.1:7420/trpc`. */
export function createTrpcClient(url: string, options: TrpcClientOptions = {}): JobClient {
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const closing = new AbortController();
  const send = options.socketPath ? socketFetch(options.socketPath) : fetch;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          // Node 20 has no global EventSource; this one also lets us send the token header.
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) => send(input, { ...init, headers: { ...init?.headers, ...headers } }),
          },
        }),
        false: httpLink({ url, headers, fetch: (input, init) => send(input, init as RequestInit) }),
      }),
    ],
  });

  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw fromClientError(error);
    }
  };
  /** The router answers NOT_FOUND for an unknown id; JobClient says undefined. */
  const orUndefined = async <T>(request: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await request();
    } catch (error) {
      if ((error as { data?: { code?: string } }).data?.code === 'NOT_FOUND') return undefined;
      throw fromClientError(error);
    }
  };

  return {
    definitions: () => call(() => trpc.jobs.definitions.query() as Promise<JobDefinitionInfo[]>),
    start: (name: string, input: unknown, startOptions?: StartOptions) =>
      call(
        () =>
          trpc.jobs.start.mutate({
            name,
            input,
            ...(startOptions?.every !== undefined ? { every: startOptions.every } : {}),
            ...(startOptions?.maxFailures !== undefined ? { maxFailures: startOptions.maxFailures } : {}),
          }) as Promise<JobSnapshot>,
      ),
    cancel: (jobId: string, cancelOptions: CancelOptions = {}) =>
      call(() => trpc.jobs.cancel.mutate({ id: jobId, ...cancelOptions }) as Promise<JobSnapshot>),
    resume: (jobId: string) => call(() => trpc.jobs.resume.mutate({ id: jobId }) as Promise<JobSnapshot>),
    get: (jobId: string) => orUndefined(() => trpc.jobs.get.query({ id: jobId }) as Promise<JobSnapshot>),
    details: (jobId: string) =>
      orUndefined(() => trpc.jobs.details.query({ id: jobId }) as Promise<JobDetails>),
    list: (filter: JobFilter = {}) => call(() => trpc.jobs.list.query(filter) as Promise<JobSnapshot[]>),
    find: (query: JobQuery = {}) => call(() => trpc.jobs.find.query(query) as Promise<JobPage>),
    delete: (jobId: string) => call(() => trpc.jobs.delete.mutate({ id: jobId })),
    clearFinished: (clear: ClearOptions = {}) => call(() => trpc.jobs.clearFinished.mutate(clear)),
    items: (jobId: string, query: ItemQuery = {}) =>
      call(() => trpc.jobs.items.query({ id: jobId, ...query }) as Promise<ItemPage>),
    timeline: (jobId: string) => call(() => trpc.jobs.timeline.query({ id: jobId }) as Promise<Timeline>),
    events: (eventsOptions: EventsOptions = {}) => subscribe(trpc, eventsOptions, closing.signal),
    schedules: () => call(() => trpc.schedules.list.query() as Promise<ScheduleInfo[]>),
    pauseSchedule: (id: string) => call(() => trpc.schedules.pause.mutate({ id }) as Promise<ScheduleInfo>),
    resumeSchedule: (id: string) => call(() => trpc.schedules.resume.mutate({ id }) as Promise<ScheduleInfo>),
    removeSchedule: (id: string) => call(() => trpc.schedules.remove.mutate({ id })),
    workers: () => call(() => trpc.workers.list.query() as Promise<WorkersView>),
    close: async () => closing.abort(),
  };
}

type Trpc = ReturnType<typeof createTRPCClient<AppRouter>>;

/**
 * Bridges the subscription to an AsyncIterable. The SSE link resumes by itself
 * after a dropped connection; when the subscription fails outright (the server
 * restarted and refused the old stream), it is opened again from the last seq.
 */
async function* subscribe(
  trpc: Trpc,
  options: EventsOptions,
  closing: AbortSignal,
): AsyncGenerator<JobEvent> {
  const { jobId, signal } = options;
  let cursor = options.after;
  let failures = 0;
  const stop = AbortSignal.any([closing, ...(signal ? [signal] : [])]);
  while (!stop.aborted) {
    const stream = new PushStream<JobEvent>(stop);
    let ended = false;
    const subscription = trpc.jobs.events.subscribe(
      {
        ...(jobId !== undefined ? { jobId } : {}),
        ...(cursor !== undefined ? { lastEventId: String(cursor) } : {}),
      },
      {
        onData: (envelope) => stream.push(envelope.data as JobEvent),
        onError: (error) => stream.end(error),
        onComplete: () => {
          ended = true;
          stream.end();
        },
      },
    );
    let failed: unknown;
    try {
      for await (const event of stream) {
        // The resumed stream starts after `cursor`; the check makes a repeat impossible anyway.
        if (cursor !== undefined && event.seq <= cursor) continue;
        cursor = event.seq;
        failures = 0;
        yield event;
      }
    } catch (error) {
      failed = error;
    } finally {
      subscription.unsubscribe();
    }
    if (stop.aborted || ended) return;
    if (isRefusal(failed)) throw fromClientError(failed);
    await pause(backoffMs(failures++, STREAM_RETRY), stop);
  }
}

/** A failed stream is opened again after 250 ms, then 500 ms, … up to 5 s. */
const STREAM_RETRY = { firstMs: 250, maxMs: 5000 };

/** Waits `ms`, or less if `signal` aborts; never rejects. */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => {});
