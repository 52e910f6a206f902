// What the engine's parts (cancel, resume, schedule runs, shutdown, recovery)
// share with it: its state and the lifecycle steps they call. The engine
// implements it; each part takes it instead of reaching into the engine.
import type { AnyJobDefinition } from '../job/define.js';
import type { JobRegistry } from '../job/registry.js';
import type { JobSnapshot, JobState } from '../protocol/types.js';
import type { Store } from '../store/store.js';
import type { ActiveJob, Inherited } from './active-job.js';
import type { EventHub } from './event-hub.js';
import type { JobQueue } from './queue.js';
import type { ScheduleRuns } from './schedule-runs.js';
import type { EngineOptions } from './types.js';
import type { StoreWriter } from './writer.js';

/** A job to queue: what it runs, and what makes it a schedule's run or a resume. */
export interface NewWork {
  definition: AnyJobDefinition;
  moduleUrl: string;
  input: unknown;
  scheduleId?: string | null;
  runAt?: number | null;
  maxFailures: number | undefined;
  resume?: { jobId: string; inherited: Inherited };
  /** Only recorded, for an engine that runs schedules to start when due (see runSchedules). */
  recordOnly?: boolean;
}

export interface EngineContext {
  readonly options: EngineOptions;
  readonly registry: JobRegistry;
  readonly store: Store;
  readonly hub: EventHub;
  readonly queue: JobQueue;
  readonly writer: StoreWriter;
  readonly runs: ScheduleRuns;
  /** Jobs not yet final: queued ones waiting their turn, and running ones. */
  readonly live: Map<string, JobSnapshot>;
  readonly active: Map<string, ActiveJob>;
  /** Jobs whose record changed since the last write. */
  readonly dirty: Set<JobSnapshot>;
  /** A shutdown has begun: nothing new starts. */
  readonly closing: boolean;
  enqueue(work: NewWork): JobSnapshot;
  /** Records a job's final state and tells its waiters. */
  finalize(job: JobSnapshot, state: JobState, summary: unknown, error: JobSnapshot['error']): void;
  startQueued(): void;
  /** A batch of the job ended (or its state changed): complete it if it is done, and pump. */
  afterBatch(job: ActiveJob): void;
  waitFor(jobId: string): Promise<JobSnapshot>;
  resume(jobId: string): Promise<JobSnapshot>;
  flush(): void;
}
