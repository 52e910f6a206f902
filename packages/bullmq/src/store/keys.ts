// Every Redis key and channel of one deployment, under one hash tag: `{prefix}`.
// Redis Cluster runs a multi-key script or MULTI only when all its keys hash to
// one slot, and a job's scripts touch its own keys and the deployment's event
// stream and counters together, as BullMQ's own scripts touch all of a queue's
// keys; so the whole deployment (its records and BullMQ's queues) lives in the
// slot of its tag, on one shard. Deployments under other prefixes spread across shards.

export interface Keys {
  prefix: string;
  /** The hash tag every key starts with: `{prefix}`, or the prefix itself when it carries one. */
  tag: string;
  /** Hash: a job's record (static JSON, state, counters, progress, summary). */
  job(id: string): string;
  /** Stream of one job's events, with the same ids as the global stream; capped (retention.maxJobEvents). */
  jobEvents(id: string): string;
  /**
   * Bitmap: bit i set once the chunk whose first item is i is recorded (chunk boundaries depend only on
   * the index, so a chunk delivered twice is the same chunk). Setting it is what records a chunk exactly once.
   */
  recorded(id: string): string;
  /** Hash: item index → result JSON, for summarize (only kept for a definition that summarizes, or a run). */
  results(id: string): string;
  /** Hash: worker id → its in-flight progress on the job. */
  inflight(id: string): string;
  failures(id: string): string;
  logs(id: string): string;
  /** Every key of a job, as its removal unlinks them. */
  allOfJob(id: string): string[];
  /** Stream of every event; entry ids are `<seq>-0`; capped (retention.maxEvents). */
  events: string;
  seq: string;
  /** Sorted set of job ids by creation time. */
  jobs: string;
  /** Sorted set of finished job ids by the seq of their first event: what retention by count prunes, oldest first. */
  finished: string;
  /** Sorted set of finished job ids by when they finished (ms): what retention by age prunes. */
  finishedAt: string;
  /** Hash of a periodic job's schedule (period, templates of its runs); gone once the schedule stops. */
  schedule(id: string): string;
  /** Set of the ids of live schedules (a scan would read one shard of a cluster only). */
  schedules: string;
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
  /** BullMQ's own key prefix for the queues: `{prefix}:bull`, so its keys share the deployment's slot. */
  bullPrefix: string;
  /** BullMQ's list of the items queue's active chunks: the chunks workers hold (what a job's scripts read as its claims). */
  activeChunks: string;
}

/** The prefix as a hash tag: kept as given when it has one (`{x}` somewhere, non-empty), else wrapped in braces. */
export function hashTag(prefix: string): string {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix : `{${prefix}}`;
}

export function keys(prefix = 'threadline'): Keys {
  const tag = hashTag(prefix);
  const job = (id: string) => `${tag}:job:${id}`;
  const k: Keys = {
    prefix,
    tag,
    job,
    jobEvents: (id) => `${job(id)}:events`,
    recorded: (id) => `${job(id)}:recorded`,
    results: (id) => `${job(id)}:results`,
    inflight: (id) => `${job(id)}:inflight`,
    failures: (id) => `${job(id)}:failures`,
    logs: (id) => `${job(id)}:logs`,
    allOfJob: (id) => [
      job(id),
      k.jobEvents(id),
      k.recorded(id),
      k.results(id),
      k.inflight(id),
      k.failures(id),
      k.logs(id),
    ],
    events: `${tag}:events`,
    seq: `${tag}:seq`,
    jobs: `${tag}:jobs`,
    finished: `${tag}:finished`,
    finishedAt: `${tag}:finished-at`,
    schedule: (id) => `${tag}:schedule:${id}`,
    schedules: `${tag}:schedules`,
    handoff: `${tag}:handoff`,
    cancelChannel: `${tag}:cancel`,
    worker: (id) => `${tag}:worker:${id}`,
    workers: `${tag}:workers`,
    bullPrefix: `${tag}:bull`,
    activeChunks: `${tag}:bull:${ITEMS_QUEUE}:active`,
  };
  return k;
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
