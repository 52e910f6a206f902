// Every Redis key and channel of one deployment, under one prefix.

export interface Keys {
  prefix: string;
  /** Hash: a job's record (static JSON, state, counters, progress, summary). */
  job(id: string): string;
  /** Stream of one job's events, with the same ids as the global stream. */
  jobEvents(id: string): string;
  /** Hash: item index → its outcome. HSETNX here is what makes an outcome final exactly once. */
  outcomes(id: string): string;
  /** Hash: item index → result JSON, for summarize. */
  results(id: string): string;
  /** Set: chunks claimed and not yet recorded. */
  active(id: string): string;
  /** Hash: worker id → its in-flight progress on the job. */
  inflight(id: string): string;
  failures(id: string): string;
  logs(id: string): string;
  /** Stream of every event; entry ids are `<seq>-0`. */
  events: string;
  seq: string;
  /** Sorted set of job ids by creation time. */
  jobs: string;
  /** Sorted set of finished job ids by the seq of their first event: what retention prunes, oldest first. */
  finished: string;
  /** Hash of a periodic job's schedule (period, templates of its runs); gone once the schedule stops. */
  schedule(id: string): string;
  /**
   * Sorted set of runs recorded whose control job may not be queued yet, by time recorded.
   * Emptied as the control jobs are added; what a crash left here, a worker's sweep queues.
   */
  handoff: string;
  /** Pub/sub channel that carries cancel requests to every worker at once. */
  cancelChannel: string;
  /** String with a TTL: a connected worker's advertisement (JSON WorkerInfo), kept alive by its heartbeat. */
  worker(id: string): string;
  /** Set of the ids of advertised workers; an id whose record expired is dropped as the set is read. */
  workers: string;
  /** BullMQ's own key prefix for the queues. */
  bullPrefix: string;
}

export function keys(prefix = 'threadline'): Keys {
  const job = (id: string) => `${prefix}:job:${id}`;
  return {
    prefix,
    job,
    jobEvents: (id) => `${job(id)}:events`,
    outcomes: (id) => `${job(id)}:outcomes`,
    results: (id) => `${job(id)}:results`,
    active: (id) => `${job(id)}:active`,
    inflight: (id) => `${job(id)}:inflight`,
    failures: (id) => `${job(id)}:failures`,
    logs: (id) => `${job(id)}:logs`,
    events: `${prefix}:events`,
    seq: `${prefix}:seq`,
    jobs: `${prefix}:jobs`,
    finished: `${prefix}:finished`,
    schedule: (id) => `${prefix}:schedule:${id}`,
    handoff: `${prefix}:handoff`,
    cancelChannel: `${prefix}:cancel`,
    worker: (id) => `${prefix}:worker:${id}`,
    workers: `${prefix}:workers`,
    bullPrefix: `${prefix}:bull`,
  };
}

/** BullMQ queues: chunks of items, and control work (enumerating a job's items). */
export const ITEMS_QUEUE = 'items';
export const CONTROL_QUEUE = 'control';

/**
 * BullMQ options for every job the package queues. A handler that throws (Redis gone
 * past its retries, a bug) is tried again: every step is idempotent, and the retry is
 * what finishes a job whose last recorder failed before finishing it.
 */
export const RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 1000 } } as const;
