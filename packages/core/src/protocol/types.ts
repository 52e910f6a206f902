// The progress protocol: job states, events and snapshots, and JobClient, the
// one interface every UI is written against and every transport implements.
import type { ErrorInfo } from './errors.js';
import type { ItemPage, ItemQuery, Timeline } from './items.js';

export * from './items.js';

/**
 * `succeeded`: every item succeeded. `partial`: the job ran to its end but some items failed
 * (or were cancelled) while others succeeded. `failed`: none succeeded, or the job itself failed
 * (its items() or summarize threw, failFast or maxFailures stopped it). `cancelled`: a person
 * cancelled it. `interrupted`: its engine stopped while it was unfinished.
 */
export const JOB_STATES = [
  'queued',
  'running',
  'cancelling',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: readonly JobState[] = [
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
];
export const isFinal = (state: JobState): boolean => FINAL_STATES.includes(state);
/** The states a job may still leave: it is waiting, running, or stopping. */
export const ACTIVE_STATES: readonly JobState[] = ['queued', 'running', 'cancelling'];
export const isActive = (state: JobState): boolean => !isFinal(state);

export interface Progress {
  done: number;
  /** Unknown until the job has enumerated its items or reported a total. */
  total: number | null;
  /** 0..1, counting partial progress of running items. */
  fraction: number | null;
  /** Units per second, smoothed. */
  rate: number | null;
  /** Seconds left at the current rate. */
  eta: number | null;
  message: string | null;
}

export interface ItemCounts {
  total: number | null;
  succeeded: number;
  failed: number;
  cancelled: number;
}

export interface JobSnapshot {
  id: string;
  name: string;
  title: string;
  state: JobState;
  input: unknown;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  progress: Progress;
  items: ItemCounts;
  summary: unknown;
  error: ErrorInfo | null;
  /** Set on each run of a periodic job; cancelling any run removes the schedule. */
  scheduleId: string | null;
  /** A queued run of a periodic job waits until this time. */
  runAt: number | null;
  /** What one unit of progress is called ('files', 'bytes'). */
  unit: string;
  /**
   * The job fails once this many of its items have failed (a count), or this share of them
   * (0 < f < 1): from its start, else its definition (failFast is 1). Absent: no limit.
   */
  maxFailures?: number;
  /** This job resumes that one: its succeeded items were not run again. */
  resumeOf?: string;
  /** Set on a job once resumed: the job that took over. */
  resumedAs?: string;
}

export type ItemOutcome = 'succeeded' | 'failed' | 'cancelled';

interface EventBase {
  /** Position in the engine's one event stream; strictly increasing. A cursor for `events({ after })`. */
  seq: number;
  jobId: string;
  at: number;
}

export type JobEvent = EventBase &
  (
    | { type: 'queued'; job: JobSnapshot }
    | { type: 'started' }
    | { type: 'progress'; progress: Progress }
    | {
        type: 'item';
        index: number;
        outcome: ItemOutcome;
        label: string | null;
        error: ErrorInfo | null;
        ms: number;
      }
    /** Items that succeeded since the last such event; a failed or cancelled item is an `item` event. */
    | { type: 'items'; succeeded: number }
    | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; item: number | null }
    | { type: 'cancelling'; reason: string | null; force: boolean }
    | { type: 'finished'; state: JobState; summary: unknown; error: ErrorInfo | null; items: ItemCounts }
    /**
     * Finished jobs deleted, by one `delete` or `clearFinished` call: one event however many went.
     * Its `jobId` is '' (it names its jobs in `jobIds`), so it is in the whole stream only: the
     * jobs' own streams went with them.
     */
    | {
        type: 'deleted';
        /** The jobs deleted; null when more than DELETED_IDS_MAX went (then see `finishedBefore`). */
        jobIds: string[] | null;
        /**
         * A clear's: every job that had finished before this time (ms since the epoch) is gone, so a
         * view drops the finished jobs it holds that finished before it. Null for one `delete`.
         */
        finishedBefore: number | null;
        /** How many jobs went. */
        count: number;
      }
  );

/**
 * The most ids a `deleted` event lists: a clear of 50,000 jobs is one small event that says
 * "finished before" rather than one frame per job or a 2 MB frame.
 */
export const DELETED_IDS_MAX = 1000;

export type JobEventType = JobEvent['type'];
export type ItemEvent = Extract<JobEvent, { type: 'item' }>;
export type LogEvent = Extract<JobEvent, { type: 'log' }>;
export type DeletedEvent = Extract<JobEvent, { type: 'deleted' }>;

/** The one `deleted` event of a call that deleted `ids`; a clear gives the time it cleared up to. */
export function deletedEvent(
  ids: readonly string[],
  finishedBefore: number | null,
): Omit<DeletedEvent, 'seq' | 'at'> {
  return {
    type: 'deleted',
    jobId: '',
    jobIds: ids.length <= DELETED_IDS_MAX ? [...ids] : null,
    finishedBefore,
    count: ids.length,
  };
}

/** A job with what a details view shows: its failed items and its latest logs. */
export interface JobDetails {
  job: JobSnapshot;
  failures: ItemEvent[];
  logs: LogEvent[];
}

/** A schedule: the runs of a periodic job, each its own job. Kept across restarts. */
export interface ScheduleInfo {
  id: string;
  name: string;
  title: string;
  input: unknown;
  /** The period, as given ('30s', '5m'). */
  every: string;
  paused: boolean;
  /** When its next run is due; null while paused. */
  nextRunAt: number | null;
  /** Its latest run (queued, running or finished): while it runs on, its waiting next run. */
  lastJobId: string | null;
  /** How its most recent run that ran ended: null until one has (a run dropped while waiting never ran). */
  lastFinished: ScheduleOutcome | null;
  createdAt: number;
  maxFailures?: number;
}

/** A schedule's finished run, as its list shows it: which, how it ended, when, and its items' outcomes. */
export interface ScheduleOutcome {
  jobId: string;
  state: JobState;
  finishedAt: number;
  items: Omit<ItemCounts, 'total'>;
}

/** A job definition as UIs see it. */
export interface JobDefinitionInfo {
  name: string;
  title: string;
  description: string | null;
  /** JSON Schema of the input (draft 2020-12). */
  inputSchema: Record<string, unknown>;
  every: string | null;
  concurrency: number | null;
  unit: string;
  /** Present only on backends with remote workers; empty means no connected worker has the job. */
  workers?: { id: string; host: string }[];
}

export interface StartOptions {
  /** Run periodically, e.g. '30s', '5m'; each run is its own job. */
  every?: string;
  /**
   * Fail the job once this many items have failed (a count ≥ 1), or this share of them
   * (0 < f < 1 of the total); overrides the definition's maxFailures and failFast.
   */
  maxFailures?: number;
}

export interface CancelOptions {
  reason?: string;
  /** Terminate running items now instead of after the grace period. */
  force?: boolean;
}

export interface JobFilter {
  state?: JobState | JobState[];
  name?: string;
  /** Newest first; default 50. */
  limit?: number;
  /** Only jobs created before this job (for paging). */
  before?: string;
}

/** A search over every job the backend keeps, for a page of them and the counts per state. */
export interface JobQuery {
  state?: JobState | JobState[];
  name?: string;
  /** Matched, case-insensitively, within the job's id, title and input (as JSON). */
  text?: string;
  /** Created at or after this time (ms since the epoch). */
  createdFrom?: number;
  /** Created before this time (ms since the epoch). */
  createdTo?: number;
  /** Newest first; default 50. */
  limit?: number;
  /** The `next` of the page before. */
  cursor?: string;
}

export interface JobPage {
  jobs: JobSnapshot[];
  /** Jobs matching every filter but the state, per state: what a tab of each state holds. */
  counts: Record<JobState, number>;
  /**
   * Set when a text matched so many jobs that only `countLimit` of them were counted:
   * each count is then at least what it says ("10,000+"). Absent: the counts are exact.
   */
  countLimit?: number;
  /** Where the next (older) page starts; null on the last. */
  next: string | null;
}

export interface ClearOptions {
  /** Only jobs that finished before this time (ms since the epoch). */
  finishedBefore?: number;
}

export interface EventsOptions {
  jobId?: string;
  /** Replay events after this sequence number, then follow live. Without it, only live events. */
  after?: number;
  signal?: AbortSignal;
}

/** The schedules of periodic jobs: listed, paused, resumed, removed. */
export interface ScheduleClient {
  /** Every schedule (`start` with `every`), oldest first. */
  schedules(): Promise<ScheduleInfo[]>;
  /** No more runs until resumed; a run that is queued is dropped, one that runs goes on. */
  pauseSchedule(scheduleId: string): Promise<ScheduleInfo>;
  /** Runs again, the next one a period after the last started (at once if that has passed). */
  resumeSchedule(scheduleId: string): Promise<ScheduleInfo>;
  /** Ends the schedule; its queued run is dropped, its history kept. */
  removeSchedule(scheduleId: string): Promise<void>;
}

/**
 * Everything a UI needs, schedules included. The engine implements it in-process; tRPC and
 * BullMQ carry it elsewhere.
 */
export interface JobClient extends ScheduleClient {
  definitions(): Promise<JobDefinitionInfo[]>;
  start(name: string, input: unknown, options?: StartOptions): Promise<JobSnapshot>;
  cancel(jobId: string, options?: CancelOptions): Promise<JobSnapshot>;
  /**
   * Runs again what a finished job did not do: a new job with its input, whose items that
   * succeeded before are not run again (their results still reach summarize). For a job that
   * failed, partly failed, was cancelled or interrupted; not one that succeeded or still runs.
   */
  resume(jobId: string): Promise<JobSnapshot>;
  get(jobId: string): Promise<JobSnapshot | undefined>;
  /** The job with its failed items and latest logs; undefined for an unknown id. */
  details(jobId: string): Promise<JobDetails | undefined>;
  list(filter?: JobFilter): Promise<JobSnapshot[]>;
  /**
   * A page of the jobs a query matches, over the whole history, with the counts per state.
   * Optional only so that clients written before it still type-check; every backend has it.
   */
  find?(query?: JobQuery): Promise<JobPage>;
  /**
   * Deletes a finished job and all it recorded (events, logs, item records, results). A job
   * that is queued or running is a ValidationError; an unknown id a NotFoundError.
   */
  delete?(jobId: string): Promise<void>;
  /** Deletes every finished job (see ClearOptions) as `delete` does; how many it deleted. */
  clearFinished?(options?: ClearOptions): Promise<{ deleted: number }>;
  /**
   * A page of a job's items by index (all, or those of one status): each one's status, duration,
   * thread and error. An unknown id is a NotFoundError. Optional as `find`; the engine has it.
   */
  items?(jobId: string, query?: ItemQuery): Promise<ItemPage>;
  /** Which thread ran which of a job's items, when: spans per thread. An unknown id is a NotFoundError. */
  timeline?(jobId: string): Promise<Timeline>;
  events(options?: EventsOptions): AsyncIterable<JobEvent>;
  /**
   * Who runs items now: the engine's threads, or a deployment's worker processes and its queue.
   * Optional only so that clients written before it still type-check; every backend has it.
   */
  workers?(): Promise<WorkersView>;
  close(): Promise<void>;
}

/** What one worker runs now: a batch of a job's items (an engine thread) or a chunk of them (a BullMQ worker). */
export interface RunningWork {
  jobId: string;
  /** The job's definition name. */
  name: string;
  /** Index of the item running now; null where not known (a chunk on a BullMQ worker) or between items. */
  index: number | null;
  /** Index of the first item of the batch (an engine thread's) or chunk (a BullMQ worker's). */
  first: number;
  /** Items in the batch or chunk. */
  items: number;
  /** Items of it done so far. */
  done: number;
}

/** One worker: a thread of the in-process engine, or a `threadline worker` process of a deployment. */
export interface WorkerStatus {
  /** `thread-1`…, or the BullMQ worker's id (`<host>:<pid>:<random>`). */
  id: string;
  kind: 'thread' | 'process';
  host: string;
  pid: number;
  /** Items it runs at once: 1 for a thread, a process's threads. */
  threads: number;
  /** What it runs now; empty when idle. */
  running: RunningWork[];
  /** Items that ran to their end on it (succeeded or failed) since it started; null where the backend does not count. */
  itemsDone: number | null;
  startedAt: number;
  /** Its last heartbeat (a thread: now). */
  seenAt: number;
}

export interface WorkersView {
  workers: WorkerStatus[];
  /** A deployment's chunks on its items queue; null in-process, where items never wait in a queue. */
  queue: { waiting: number; active: number; delayed: number } | null;
}

/** How an app reaches jobs: its own engine on a data directory, a server, or Redis. */
export interface ConnectOptions {
  dataDir?: string;
  /** URL of a running `threadline serve`. */
  server?: string;
  /** Token for the server, when it requires one. */
  token?: string;
  /** Redis URL of a BullMQ deployment. */
  redis?: string;
  /** Worker threads of an in-process engine. */
  poolSize?: number;
  /** How long a cancelled item may ignore its signal before its thread is terminated (ms). */
  graceMs?: number;
}

export interface Connection {
  client: JobClient;
  /** Where the client runs its own jobs (no --server or --redis): quitting must stop them. */
  local: boolean;
  close(): Promise<void>;
}

/** The CLI gives each app a way to connect, so apps stay independent of transports they do not use. */
export type Connect = (options: ConnectOptions) => Promise<Connection>;
