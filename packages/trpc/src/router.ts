// A tRPC router over any JobClient: the engine in this process, or another
// transport. Errors are mapped once here (see errors.ts); events go out over
// SSE as `tracked()` events whose id is the event's global `seq`, so a client
// that reconnects with `lastEventId` resumes with nothing lost or repeated.
import { type JobClient, type JobEvent, NotFoundError, ValidationError } from '@threadline/core';
import { initTRPC, type TrackedEnvelope, tracked } from '@trpc/server';
import { errorData, toTRPCError } from './errors.js';
import {
  cancelInput,
  clearInput,
  eventsInput,
  eventsOptions,
  findInput,
  idInput,
  itemsInput,
  listInput,
  parser,
  startInput,
} from './inputs.js';

export interface RouterOptions {
  /** SSE keep-alive ping; the client reconnects after 3 missed pings. Default 5000 ms. */
  pingMs?: number;
}

/** What the SSE writer needs to know of a router: kept here, not read from tRPC's internal `_def`. */
export interface SseSettings {
  pingMs: number;
  /** The `connected` frame's options: when a client gives up on a silent stream and reconnects. */
  client: { reconnectAfterInactivityMs: number };
}

const sseSettings = new WeakMap<object, SseSettings>();

/** The SSE settings `createAppRouter` made `router` with. */
export function sseSettingsOf(router: AppRouter): SseSettings {
  const settings = sseSettings.get(router);
  if (!settings) throw new TypeError('createEventStream needs a router made by createAppRouter');
  return settings;
}

export function createAppRouter(client: JobClient, options: RouterOptions = {}) {
  const pingMs = options.pingMs ?? 5000;
  const sse: SseSettings = { pingMs, client: { reconnectAfterInactivityMs: pingMs * 3 } };
  const t = initTRPC.create({
    // Never send stack traces: users see messages, not our internals.
    isDev: false,
    sse: { ping: { enabled: true, intervalMs: sse.pingMs }, client: sse.client },
    errorFormatter: ({ shape, error }) => ({ ...shape, data: { ...shape.data, ...errorData(error) } }),
  });

  const mapErrors = t.middleware(async ({ next }) => {
    const result = await next();
    if (!result.ok) throw toTRPCError(result.error);
    return result;
  });
  const procedure = t.procedure.use(mapErrors);

  /** A JobClient method a backend may lack; without it, a clear refusal. */
  const has = <K extends 'find' | 'delete' | 'clearFinished' | 'items' | 'timeline'>(
    method: K,
  ): NonNullable<JobClient[K]> => {
    const fn = client[method];
    if (!fn) throw new ValidationError(`this server's backend cannot ${method}`);
    return fn.bind(client) as NonNullable<JobClient[K]>;
  };

  const found = <T>(value: T | undefined, id: string): T => {
    if (value === undefined) throw new NotFoundError(`no job with id ${id}`);
    return value;
  };

  const jobs = t.router({
    definitions: procedure.query(() => client.definitions()),
    start: procedure.input(parser(startInput)).mutation(({ input }) =>
      client.start(input.name, input.input, {
        ...(input.every !== undefined ? { every: input.every } : {}),
        ...(input.maxFailures !== undefined ? { maxFailures: input.maxFailures } : {}),
      }),
    ),
    cancel: procedure.input(parser(cancelInput)).mutation(({ input }) =>
      client.cancel(input.id, {
        ...(input.force !== undefined ? { force: input.force } : {}),
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
      }),
    ),
    resume: procedure.input(parser(idInput)).mutation(({ input }) => client.resume(input.id)),
    get: procedure
      .input(parser(idInput))
      .query(async ({ input }) => found(await client.get(input.id), input.id)),
    details: procedure
      .input(parser(idInput))
      .query(async ({ input }) => found(await client.details(input.id), input.id)),
    list: procedure.input(parser(listInput)).query(({ input }) => {
      const { state, name, limit, before } = input ?? {};
      return client.list({
        ...(state !== undefined ? { state } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(before !== undefined ? { before } : {}),
      });
    }),
    find: procedure
      .input(parser(findInput))
      .query(({ input }) =>
        has('find')(
          Object.fromEntries(Object.entries(input ?? {}).filter(([, value]) => value !== undefined)),
        ),
      ),
    delete: procedure.input(parser(idInput)).mutation(({ input }) => has('delete')(input.id)),
    items: procedure.input(parser(itemsInput)).query(({ input }) => {
      const { id, ...query } = input;
      return has('items')(
        id,
        Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)),
      );
    }),
    timeline: procedure.input(parser(idInput)).query(({ input }) => has('timeline')(input.id)),
    clearFinished: procedure
      .input(parser(clearInput))
      .mutation(({ input }) =>
        has('clearFinished')(
          input?.finishedBefore !== undefined ? { finishedBefore: input.finishedBefore } : {},
        ),
      ),
    events: procedure.input(parser(eventsInput)).subscription(async function* ({
      input,
      signal,
    }): AsyncGenerator<TrackedEnvelope<JobEvent>> {
      // Over HTTP, sse/stream.ts serves this stream for every connection at once;
      // this procedure serves it to other transports (createCaller, websockets).
      const options = eventsOptions(input);
      try {
        if (options.jobId !== undefined) found(await client.get(options.jobId), options.jobId);
        for await (const event of client.events({ ...options, ...(signal ? { signal } : {}) })) {
          yield tracked(String(event.seq), event);
        }
      } catch (error) {
        if (signal?.aborted) return;
        throw toTRPCError(error);
      }
    }),
  });

  // A schedule's procedures take its `s_` id; an unknown one is NOT_FOUND from the client itself.
  const schedules = t.router({
    list: procedure.query(() => client.schedules()),
    pause: procedure.input(parser(idInput)).mutation(({ input }) => client.pauseSchedule(input.id)),
    resume: procedure.input(parser(idInput)).mutation(({ input }) => client.resumeSchedule(input.id)),
    remove: procedure.input(parser(idInput)).mutation(({ input }) => client.removeSchedule(input.id)),
  });

  // Who runs items now: the engine's threads, or a deployment's workers and its queue's depth.
  const workers = t.router({
    list: procedure.query(() => {
      if (!client.workers) throw new ValidationError("this server's backend cannot list its workers");
      return client.workers();
    }),
  });

  const router = t.router({ jobs, schedules, workers });
  sseSettings.set(router, sse);
  return router;
}

export type AppRouter = ReturnType<typeof createAppRouter>;
