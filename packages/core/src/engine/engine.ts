// The in-process engine: a job's lifecycle from queued to its final state
// (queue, start, enumerate, count its items' outcomes, complete), and the
// reads. Its parts: cancel.ts, resume.ts, schedule-runs.ts, shutdown.ts,
// recover.ts (on open) and writer.ts (the store), each given the engine as
// an EngineContext.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadJob } from '../job/load.js';
import { type JobRegistry, resolveJobRef } from '../job/registry.js';
import { definitionInfo, validateInput } from '../job/schema.js';
import type { LogMessage } from '../pool/messages.js';
import { WorkerPool } from '../pool/pool.js';
import { newTempOwner, removeLeftTemps, TEMP_JOURNALS } from '../pool/temp-journal.js';
import { NotFoundError, toErrorInfo, ValidationError } from '../protocol/errors.js';
import type { ItemPage, ItemQuery, Timeline } from '../protocol/items.js';
import type {
  CancelOptions,
  ClearOptions,
  EventsOptions,
  ItemEvent,
  JobDefinitionInfo,
  JobDetails,
  JobEvent,
  JobFilter,
  JobPage,
  JobQuery,
  JobSnapshot,
  JobState,
  ScheduleInfo,
  StartOptions,
  WorkersView,
} from '../protocol/types.js';
import { finalState, maxFailuresFailure, maxFailuresOf, maxFailuresReason } from '../rules/final-state.js';
import { newStaticJob, queuedSnapshot } from '../rules/new-job.js';
import { resolveDataDir } from '../store/data-dir.js';
import { openingStore, storageFault } from '../store/faults.js';
import { Store } from '../store/store.js';
import { ActiveJob, PENDING_HIGH_WATER } from './active-job.js';
import { cancelJob, dropPending, requestCancel } from './cancel.js';
import type { EngineContext, NewWork } from './context.js';
import { clearFinished, deleteJob } from './delete.js';
import { Dispatcher } from './dispatcher.js';
import { EventHub } from './event-hub.js';
import { itemsOf, timelineOfJob } from './item-views.js';
import { lockDataDir } from './lock.js';
import { type Fit, JobQueue, type QueuedWork } from './queue.js';
import { recover } from './recover.js';
import { resumeJob } from './resume.js';
import { ScheduleRuns } from './schedule-runs.js';
import { Schedules } from './schedules.js';
import { Shutdown } from './shutdown.js';
import type { Engine, EngineOptions, EngineStats, ShutdownOptions, ShutdownReport } from './types.js';
import { engineWorkers } from './workers.js';
import { StoreWriter } from './writer.js';

/** A long-running server keeps its store bounded, not only at start-up. */
const PRUNE_EVERY_MS = 3_600_000;
/** A job's log lines past this many are not kept (the store must not grow with a chatty loop). */
const MAX_LOGS_PER_JOB = 10_000;

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const timeout = options.itemTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
    throw new ValidationError(`itemTimeoutMs must be a whole number of ms above 0, not ${timeout}`);
  const engine = new InProcessEngine(options);
  await recover(engine);
  return engine;
}

class InProcessEngine implements Engine, EngineContext {
  readonly dataDir: string;
  readonly pool: WorkerPool;
  readonly store: Store;
  readonly runs: ScheduleRuns;
  readonly hub: EventHub;
  readonly writer: StoreWriter;
  readonly dirty: Set<JobSnapshot>;
  readonly registry: JobRegistry;
  readonly live = new Map<string, JobSnapshot>();
  readonly active = new Map<string, ActiveJob>();
  readonly queue = new JobQueue(() => this.startQueued());
  private readonly dispatcher: Dispatcher;
  private readonly stopping: Shutdown;
  private readonly unlock: () => void;
  private readonly finishWaiters = new Map<string, ((job: JobSnapshot) => void)[]>();
  private readonly tick: NodeJS.Timeout;
  private itemsProcessed = 0;
  private readonly itemsByOutcome = { succeeded: 0, failed: 0, cancelled: 0 };
  private prunedAt = Date.now();
  private readonly openedAt = Date.now();

  constructor(readonly options: EngineOptions) {
    this.dataDir = resolveDataDir(options.dataDir);
    const dataDir = this.dataDir;
    // The lock before the store: a second engine must not touch the file the owner writes.
    this.unlock = openingStore(dataDir, () => {
      // The owner's alone, as the history inside holds every job's input (the paths it read).
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      return lockDataDir(dataDir);
    });
    try {
      this.store = openingStore(dataDir, () => new Store(dataDir));
    } catch (error) {
      this.unlock();
      throw error;
    }
    const log = options.log ?? ((line) => process.stderr.write(`threadline: ${line}\n`));
    this.registry = options.registry ?? {};
    this.hub = new EventHub(this.store.maxSeq(), (page) => {
      this.flush();
      return this.store.readEvents(page);
    });
    this.writer = new StoreWriter(this.store, this.hub, dataDir, log, () => this.pump());
    this.dirty = this.writer.dirty;
    this.runs = new ScheduleRuns(this, new Schedules(this.store));
    this.stopping = new Shutdown(this, () => this.release());
    // What a killed engine was writing: only one engine holds the directory, so its journals are all stopped ones'.
    const temps = join(dataDir, TEMP_JOURNALS);
    try {
      const left = removeLeftTemps(temps);
      if (left > 0)
        log(`removed ${left} temporary file${left === 1 ? '' : 's'} a stopped engine was writing`);
    } catch (error) {
      // Not a reason to refuse the directory: the files stay, as before, and the engine says so.
      log(`could not remove the temporary files a stopped engine left: ${(error as Error).message}`);
    }
    this.pool = new WorkerPool({
      tempJournal: { dir: temps, owner: newTempOwner() },
      ...(options.poolSize !== undefined ? { size: options.poolSize } : {}),
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      onAvailable: () => this.pump(),
      onLog: (log) => this.onLog(log),
    });
    this.dispatcher = new Dispatcher(this.pool, options.itemTimeoutMs, {
      itemsDone: (job, succeeded, others) => this.onItems(job, succeeded, others),
      batchFinished: (job) => this.afterBatch(job),
    });
    this.tick = setInterval(() => this.onTick(), options.tickMs ?? 100);
    this.tick.unref();
  }

  get closing(): boolean {
    return this.stopping.closing;
  }

  /** In the registry's order: the CLI puts the project's own jobs first. */
  async definitions(): Promise<JobDefinitionInfo[]> {
    return Promise.all(
      Object.entries(this.registry).map(async ([name, url]) => {
        const definition = await loadJob(url);
        return definitionInfo({ ...definition, name });
      }),
    );
  }

  async start(ref: string, input: unknown, options: StartOptions = {}): Promise<JobSnapshot> {
    if (this.closing) throw new ValidationError('the engine is closing');
    const moduleUrl = resolveJobRef(ref, this.registry, this.options.cwd);
    const definition = await loadJob(moduleUrl);
    const parsed = validateInput(definition.input, input ?? {}, definition.name);
    const every = options.every ?? definition.every;
    const maxFailures = maxFailuresOf(definition, options);
    if (every) return this.runs.start(definition, moduleUrl, parsed, every, maxFailures);
    return this.enqueue({ definition, moduleUrl, input: parsed, maxFailures });
  }

  async schedules(): Promise<ScheduleInfo[]> {
    return this.runs.list();
  }

  async pauseSchedule(scheduleId: string): Promise<ScheduleInfo> {
    return this.runs.pause(scheduleId);
  }

  resumeSchedule(scheduleId: string): Promise<ScheduleInfo> {
    return this.runs.resume(scheduleId);
  }

  async removeSchedule(scheduleId: string): Promise<void> {
    this.runs.remove(scheduleId);
  }

  resume(jobId: string): Promise<JobSnapshot> {
    return resumeJob(this, jobId);
  }

  async cancel(jobId: string, options: CancelOptions = {}): Promise<JobSnapshot> {
    return cancelJob(this, jobId, options);
  }

  /** Hands pending items to idle threads; none while the engine drains for shutdown. */
  private pump(): void {
    // While the store cannot be written, what runs is held in memory: starting more would grow it.
    if (!this.closing && !this.writer.problem) this.dispatcher.pump(this.active.values());
  }

  enqueue(work: NewWork): JobSnapshot {
    const { definition, moduleUrl, input, resume, recordOnly = false } = work;
    const job = queuedSnapshot(
      newStaticJob(definition, input, work.scheduleId ?? null, work.runAt ?? null, work.maxFailures),
    );
    if (resume) job.resumeOf = resume.jobId;
    if (!recordOnly) {
      this.live.set(job.id, job);
      this.queue.add({ job, definition, moduleUrl, input, inherited: resume?.inherited ?? null });
    }
    this.dirty.add(job);
    const queued = structuredClone(job);
    this.hub.emit({ type: 'queued', jobId: job.id, job: queued });
    if (recordOnly) this.flush();
    else this.startQueued();
    return queued;
  }

  /** Starts queued jobs while the engine-wide and per-definition limits allow. */
  startQueued(): void {
    if (this.closing) return;
    for (let work = this.queue.take(this.fits); work; work = this.queue.take(this.fits)) this.begin(work);
  }

  /** The engine-wide and per-definition limits on running jobs. */
  private readonly fits = (work: QueuedWork): Fit => {
    if (this.active.size >= (this.options.maxRunningJobs ?? 4)) return 'full';
    const limit = work.definition.concurrency;
    if (!limit) return 'yes';
    let running = 0;
    for (const active of this.active.values()) if (active.definition.name === work.definition.name) running++;
    return running >= limit ? 'skip' : 'yes';
  };

  private begin({ job, definition, moduleUrl, input, inherited }: QueuedWork): void {
    const mode = definition.process ? 'process' : 'run';
    const active = new ActiveJob(job, definition, moduleUrl, input, mode, inherited ?? null);
    this.active.set(job.id, active);
    job.state = 'running';
    job.startedAt = Date.now();
    this.runs.started(job);
    this.dirty.add(job);
    this.hub.emit({ type: 'started', jobId: job.id });
    if (mode === 'run') {
      active.pending.push({ index: 0, item: input });
      active.enumerated = 1;
      active.enumerationDone = true;
      job.items.total = 1;
      this.pump();
    } else {
      void this.enumerate(active);
    }
  }

  private async enumerate(job: ActiveJob): Promise<void> {
    try {
      await job.enumerate(() => this.pump());
    } catch (error) {
      if (!job.cancel) job.failure = toErrorInfo(error);
    }
    job.enumerationDone = true;
    job.snapshot.items.total = job.enumerated;
    this.dirty.add(job.snapshot);
    // A fraction of the items is a count only now: the failures so far may already reach it.
    this.checkFailures(job);
    if (job.failure) dropPending(this, job);
    this.pump();
    this.afterBatch(job);
  }

  private onLog(log: LogMessage['threadlineLog']): void {
    const job = this.active.get(log.jobId);
    if (!job) return;
    if (++job.loggedLines > MAX_LOGS_PER_JOB) {
      job.droppedLogs++;
      return;
    }
    const { jobId, level, message, item } = log;
    this.hub.emit({ type: 'log', jobId, level, message, item });
  }

  private onItems(job: ActiveJob, succeeded: number, others: Omit<ItemEvent, 'seq' | 'at'>[]): void {
    this.itemsByOutcome.succeeded += succeeded;
    for (const event of others) {
      // Stopped by a shutdown, an item is not cancelled: it is left for a resume, like those never started.
      if (job.interruptedBy && event.outcome === 'cancelled') continue;
      const counts = job.snapshot.items;
      counts[event.outcome]++;
      this.itemsByOutcome[event.outcome]++;
      if (event.outcome === 'failed') job.firstItemError ??= event.error;
      // Before this failure: a stream then counts in the order the items ended.
      this.reportSucceeded(job);
      this.hub.emit(event);
    }
    this.itemsProcessed += succeeded + others.length;
    this.dirty.add(job.snapshot);
    // After the whole batch is counted: stopping may finish the job, and nothing may count after that.
    if (others.some((event) => event.outcome === 'failed')) this.checkFailures(job);
  }

  /** Stops a job whose failed items reached its maxFailures (failFast is 1), failing it with why. */
  private checkFailures(job: ActiveJob): void {
    const { maxFailures, items } = job.snapshot;
    if (maxFailures === undefined || job.cancel || job.failure) return;
    const failure = maxFailuresFailure({
      maxFailures,
      total: job.enumerationDone ? job.enumerated : null,
      failed: items.failed,
      firstItemError: job.firstItemError,
    });
    if (!failure) return;
    job.failure = failure;
    requestCancel(this, job, { reason: maxFailuresReason(maxFailures), force: false });
  }

  afterBatch(job: ActiveJob): void {
    if (job.resumeEnumeration && job.pending.length < PENDING_HIGH_WATER / 2) {
      job.resumeEnumeration();
      job.resumeEnumeration = undefined;
    }
    if (job.isComplete && this.active.get(job.snapshot.id) === job) this.complete(job);
    this.pump();
    this.stopping.batchEnded();
  }

  /** The one place a job that ran gets its final state. */
  private complete(job: ActiveJob): void {
    this.active.delete(job.snapshot.id);
    clearTimeout(job.graceTimer);
    this.reportSucceeded(job);
    if (job.droppedLogs > 0) {
      this.hub.emit({
        type: 'log',
        jobId: job.snapshot.id,
        level: 'warn',
        message: `${job.droppedLogs} more log lines were not kept (a job keeps its first ${MAX_LOGS_PER_JOB})`,
        item: null,
      });
    }
    this.writer.finished(job);
    // The last sample, so a stream's final progress agrees with the final counts.
    const progress = job.sample(Date.now());
    if (progress) this.hub.emit({ type: 'progress', jobId: job.snapshot.id, progress });
    // Stopped by a shutdown: what ran stands, the rest waits for a resume.
    const { state, summary, error } = job.interruptedBy
      ? { state: 'interrupted' as const, summary: null, error: { message: job.interruptedBy } }
      : finalState(job.finishing((keys) => this.store.results(job.snapshot.id, keys)));
    this.finalize(job.snapshot, state, summary, error);
    this.runs.ended(job);
    this.startQueued();
  }

  finalize(job: JobSnapshot, state: JobState, summary: unknown, error: JobSnapshot['error']): void {
    job.state = state;
    job.finishedAt = Date.now();
    job.summary = summary ?? null;
    job.error = error ?? null;
    this.live.delete(job.id);
    this.dirty.add(job);
    this.hub.emit({
      type: 'finished',
      jobId: job.id,
      state,
      summary: job.summary,
      error: job.error,
      items: { ...job.items },
    });
    for (const resolve of this.finishWaiters.get(job.id) ?? []) resolve(structuredClone(job));
    this.finishWaiters.delete(job.id);
  }

  async get(jobId: string): Promise<JobSnapshot | undefined> {
    const job = this.live.get(jobId);
    if (job) return structuredClone(job);
    this.flush();
    return this.store.getJob(jobId);
  }

  async details(jobId: string): Promise<JobDetails | undefined> {
    this.flush();
    const job = await this.get(jobId);
    if (!job) return undefined;
    return { job, failures: this.store.failedItems(jobId, 500), logs: this.store.latestLogs(jobId, 1000) };
  }

  async list(filter: JobFilter = {}): Promise<JobSnapshot[]> {
    this.flush();
    return this.store.listJobs(filter);
  }

  async find(query: JobQuery = {}): Promise<JobPage> {
    this.flush();
    return this.store.findJobs(query);
  }

  // Written first: a job that finished this tick is still held to be written, and would come back.
  async delete(jobId: string): Promise<void> {
    this.flush();
    deleteJob(this.store, this.live, jobId, this.hub);
  }

  async clearFinished(options: ClearOptions = {}): Promise<{ deleted: number }> {
    this.flush();
    return clearFinished(this.store, options, this.hub);
  }

  async items(jobId: string, query: ItemQuery = {}): Promise<ItemPage> {
    this.flush();
    return itemsOf(this, jobId, query);
  }

  async timeline(jobId: string): Promise<Timeline> {
    this.flush();
    return timelineOfJob(this, jobId);
  }

  events(options: EventsOptions = {}): AsyncIterable<JobEvent> {
    return this.hub.events(options);
  }

  async workers(): Promise<WorkersView> {
    return engineWorkers(this.pool, this.active.values(), this.openedAt);
  }

  stats(): EngineStats {
    this.flush();
    const problem = this.writer.problem;
    return {
      storage: problem ? { ok: false, problem: problem.message, reason: problem.reason } : { ok: true },
      poolSize: this.pool.size,
      busyWorkers: this.pool.busyCount,
      subscribers: this.hub.subscriberCount,
      itemsProcessed: this.itemsProcessed,
      itemsByOutcome: { ...this.itemsByOutcome },
      jobsByState: this.store.countByState(),
    };
  }

  /** Resolves when the job reaches a final state. */
  async waitFor(jobId: string): Promise<JobSnapshot> {
    // The final snapshot is handed over in memory: a store round trip per wait was ~15% of a small job.
    if (this.live.has(jobId)) {
      return new Promise((resolve) => {
        this.finishWaiters.set(jobId, [...(this.finishWaiters.get(jobId) ?? []), resolve]);
      });
    }
    const job = await this.get(jobId);
    if (!job) throw new NotFoundError(`no job with id ${jobId}`);
    return job;
  }

  private onTick(): void {
    const now = Date.now();
    if (now - this.prunedAt > PRUNE_EVERY_MS && !this.writer.problem) {
      this.prunedAt = now;
      try {
        this.store.prune(this.options.retention ?? {}, now);
      } catch (error) {
        if (!storageFault(error, this.dataDir)) throw error;
      }
    }
    for (const job of this.active.values()) {
      this.reportSucceeded(job);
      const progress = job.sample(now);
      if (progress) {
        this.dirty.add(job.snapshot);
        this.hub.emit({ type: 'progress', jobId: job.snapshot.id, progress });
      }
    }
    this.flush();
  }

  /** One `items` event for the items that succeeded since the last: a fast job is not an event per item. */
  private reportSucceeded(job: ActiveJob): void {
    if (job.unreported === 0) return;
    this.hub.emit({ type: 'items', jobId: job.snapshot.id, succeeded: job.unreported });
    job.unreported = 0;
  }

  flush(): void {
    this.writer.flush(this.active.values());
  }

  /**
   * Stops the engine: starts no more items, lets running ones finish for up to `drainMs`, then
   * stops the rest. Jobs left unfinished are recorded `interrupted` with `reason` (a resume picks
   * them up), never cancelled. Called again while draining with `drainMs: 0`, it stops at once.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    return this.stopping.begin(options);
  }

  async close(): Promise<void> {
    await this.shutdown();
  }

  private async release(): Promise<void> {
    clearInterval(this.tick);
    this.flush();
    await this.pool.close();
    this.store.close();
    this.unlock();
  }
}
