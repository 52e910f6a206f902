// The page's JobClient: tRPC over plain HTTP for queries and mutations, the
// browser's own EventSource for events. Same origin, so the token (if any)
// travels in the cookie the server set. @threadline/trpc's createTrpcClient is
// for Node (the `eventsource` package, and error classes from core's Node
// entry); this one imports only what a browser has.
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
} from '@threadline/core/client';
import { PushStream } from '@threadline/core/client';
import type { AppRouter } from '@threadline/trpc';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';

const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url: '/trpc' }),
      false: httpLink({ url: '/trpc' }),
    }),
  ],
});

const closing = new AbortController();

/** The router answers NOT_FOUND for an unknown id; JobClient says undefined. */
async function orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (
      error instanceof TRPCClientError &&
      (error.data as { code?: string } | undefined)?.code === 'NOT_FOUND'
    )
      return undefined;
    throw error;
  }
}

// tRPC's JSON typing makes `unknown` fields optional; the router returns core's types unchanged.
export const client: JobClient = {
  definitions: () => trpc.jobs.definitions.query() as Promise<JobDefinitionInfo[]>,
  start: (name: string, input: unknown, options?: StartOptions) =>
    trpc.jobs.start.mutate({
      name,
      input,
      ...(options?.every !== undefined ? { every: options.every } : {}),
    }) as Promise<JobSnapshot>,
  cancel: (id: string, options: CancelOptions = {}) =>
    trpc.jobs.cancel.mutate({ id, ...options }) as Promise<JobSnapshot>,
  resume: (id: string) => trpc.jobs.resume.mutate({ id }) as Promise<JobSnapshot>,
  get: (id: string) => orUndefined(trpc.jobs.get.query({ id }) as Promise<JobSnapshot>),
  details: (id: string) => orUndefined(trpc.jobs.details.query({ id }) as Promise<JobDetails>),
  list: (filter: JobFilter = {}) => trpc.jobs.list.query(filter) as Promise<JobSnapshot[]>,
  find: (query: JobQuery = {}) => trpc.jobs.find.query(query) as Promise<JobPage>,
  delete: (id: string) => trpc.jobs.delete.mutate({ id }),
  clearFinished: (options: ClearOptions = {}) => trpc.jobs.clearFinished.mutate(options),
  items: (id: string, query: ItemQuery = {}) => trpc.jobs.items.query({ id, ...query }) as Promise<ItemPage>,
  timeline: (id: string) => trpc.jobs.timeline.query({ id }) as Promise<Timeline>,
  events: (options: EventsOptions = {}) => ({ [Symbol.asyncIterator]: () => events(options) }),
  schedules: () => trpc.schedules.list.query() as Promise<ScheduleInfo[]>,
  pauseSchedule: (id: string) => trpc.schedules.pause.mutate({ id }) as Promise<ScheduleInfo>,
  resumeSchedule: (id: string) => trpc.schedules.resume.mutate({ id }) as Promise<ScheduleInfo>,
  removeSchedule: (id: string) => trpc.schedules.remove.mutate({ id }),
  workers: () => trpc.workers.list.query() as Promise<WorkersView>,
  close: async () => closing.abort(),
};

/**
 * One SSE subscription as an AsyncIterable. A dropped connection ends it with
 * an error instead of reconnecting out of sight: the caller (core's jobsView)
 * resumes from the last seq it saw, and can say meanwhile that it is away.
 */
async function* events(options: EventsOptions): AsyncGenerator<JobEvent> {
  const { jobId, after } = options;
  const stop = AbortSignal.any([closing.signal, ...(options.signal ? [options.signal] : [])]);
  const stream = new PushStream<JobEvent>(stop);
  const subscription = trpc.jobs.events.subscribe(
    {
      ...(jobId !== undefined ? { jobId } : {}),
      ...(after !== undefined ? { lastEventId: String(after) } : {}),
    },
    {
      onData: (envelope) => stream.push(envelope.data as JobEvent),
      onConnectionStateChange: (state) => {
        if (state.state === 'connecting' && state.error) stream.end(state.error);
      },
      onError: (error) => stream.end(error),
      onComplete: () => stream.end(),
    },
  );
  let cursor = after;
  try {
    for await (const event of stream) {
      if (cursor !== undefined && event.seq <= cursor) continue;
      cursor = event.seq;
      yield event;
    }
  } finally {
    subscription.unsubscribe();
  }
}

export interface Issue {
  path: string;
  message: string;
}

/** The field issues of a BAD_REQUEST, as the router sends them. */
export function issuesOf(error: unknown): Issue[] {
  if (!(error instanceof TRPCClientError)) return [];
  const issues = (error.data as { issues?: Issue[] } | undefined)?.issues;
  return Array.isArray(issues) ? issues : [];
}

/** What the page says when a request cannot reach the server at all. */
export const UNREACHABLE = 'Cannot reach the server: it may have stopped or restarted.';

/** Longest error message the page shows; the rest is cut. */
const MAX_MESSAGE = 240;

/**
 * One line a person can read for any failure: never a browser's raw "Failed to
 * fetch", a JSON parse error from an HTML error page, or a stack trace.
 */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  if (
    /failed to fetch|networkerror|load failed|network request failed|fetch failed/i.test(text) ||
    cause instanceof TypeError
  )
    return UNREACHABLE;
  if (error instanceof TRPCClientError) {
    const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
    // tRPC reads every answer as JSON: a proxy's HTML page or a plain-text refusal ends here.
    if (/JSON|Unexpected token|Unable to transform response/i.test(text))
      return `The server answered something unexpected${status ? ` (HTTP ${status})` : ''}.`;
  }
  const line = text
    .split('\n')
    .map((part) => part.trim())
    .find((part) => part !== '' && !part.startsWith('at '));
  if (!line) return 'Something went wrong.';
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}
