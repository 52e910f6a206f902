// The in-process engine's public shape: its options, and what it offers
// beyond a JobClient (waiting for a job, its pool, its numbers for /metrics).
import type { ResourceLimits } from 'node:worker_threads';
import type { JobRegistry } from '../job/registry.js';
import type { WorkerPool } from '../pool/pool.js';
import type { ItemPage, ItemQuery, Timeline } from '../protocol/items.js';
import type {
  ClearOptions,
  ItemOutcome,
  JobClient,
  JobPage,
  JobQuery,
  JobSnapshot,
  JobState,
  WorkersView,
} from '../protocol/types.js';
import type { RetentionOptions } from '../store/store.js';

export interface EngineOptions {
  /** Where the SQLite store lives; default THREADLINE_DATA_DIR or the user's data folder. */
  dataDir?: string;
  /** Job names → module URLs (the built-ins, usually). Jobs can also be started by path or URL. */
  registry?: JobRegistry;
  /** Worker threads; default os.availableParallelism(). */
  poolSize?: number;
  /** Jobs running at once across all definitions; default 4. */
  maxRunningJobs?: number;
  /**
   * How long a cancelled item (or one past its timeout) may ignore its signal before its worker is
   * terminated; default 2000 ms.
   */
  graceMs?: number;
  /** Items of a job whose definition gives no itemTimeoutMs time out after this long; default none. */
  itemTimeoutMs?: number;
  /** How often progress cells are sampled and the store written; default 100 ms. */
  tickMs?: number;
  /** Where the engine says what it does on its own (a full disk, and when it is writable again); default stderr. */
  log?: (line: string) => void;
  /**
   * Start the store's schedules' runs when due; default true. A command that opens the store for
   * a moment passes false: a run it started would be left interrupted when it closes. Schedules
   * started through the engine itself run either way.
   */
  runSchedules?: boolean;
  /** On start, resume every interrupted job not resumed yet (see JobClient.resume); default false. */
  resumeInterrupted?: boolean;
  /** How long a shutdown lets running items finish before it stops them; default 10000 ms. */
  drainMs?: number;
  /**
   * Each worker thread's; `maxOldGenerationSizeMb` defaults to half the machine's memory shared by
   * the threads (256 MB to 4 GB). A worker past it fails the items it had and is replaced.
   */
  resourceLimits?: ResourceLimits;
  retention?: RetentionOptions;
  /** Where relative job paths resolve; default process.cwd(). */
  cwd?: string;
}

export interface EngineStats {
  /** Whether the store takes writes; when not, why (a full disk) and what to do. */
  storage: { ok: true } | { ok: false; problem: string; reason: string };
  poolSize: number;
  busyWorkers: number;
  subscribers: number;
  /** Items that got an outcome since the engine started, whatever it was. */
  itemsProcessed: number;
  /** The same items by outcome: succeeded, failed and cancelled apart. */
  itemsByOutcome: Record<ItemOutcome, number>;
  jobsByState: Record<JobState, number>;
}

export interface ShutdownOptions {
  /** Overrides the engine's drainMs; 0 stops running items at once. */
  drainMs?: number;
  /** Recorded on each job left unfinished; default "the engine stopped". */
  reason?: string;
  /** Told which jobs are running as the drain starts (to say so in a log). */
  onDrain?: (running: JobSnapshot[]) => void;
}

/** Which running jobs a shutdown let finish, and which it left interrupted (queued ones included). */
export interface ShutdownReport {
  drained: string[];
  interrupted: string[];
}

export type Engine = JobClient & {
  find(query?: JobQuery): Promise<JobPage>;
  delete(jobId: string): Promise<void>;
  clearFinished(options?: ClearOptions): Promise<{ deleted: number }>;
  items(jobId: string, query?: ItemQuery): Promise<ItemPage>;
  timeline(jobId: string): Promise<Timeline>;
  workers(): Promise<WorkersView>;
  /** Stops gracefully (see ShutdownOptions); `close()` is a shutdown with the defaults. */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport>;
  /** Resolves when the job reaches a final state. */
  waitFor(jobId: string): Promise<JobSnapshot>;
  readonly dataDir: string;
  readonly pool: WorkerPool;
  stats(): EngineStats;
};
