import { mkdirSync } from 'node:fs';
import type { AnyJobDefinition } from '../job/define.js';
import { loadJob } from '../job/load.js';
import { type JobRegistry, resolveJobRef } from '../job/registry.js';
import { definitionInfo, validateInput } from '../job/schema.js';
import { WorkerPool } from '../pool/pool.js';
import { NotFoundError, type StorageError, toErrorInfo, ValidationError } from '../protocol/errors.js';
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
  LogEvent,
  ScheduleInfo,
  StartOptions,
} from '../protocol/types.js';
import { finalState, maxFailuresFailure, maxFailuresOf, maxFailuresReason } from '../rules/final-state.js';
import { IndexSet } from '../rules/index-set.js';
import { newStaticJob, queuedSnapshot } from '../rules/new-job.js';
import { resolveDataDir } from '../store/data-dir.js';
import { openingStore, storageFault } from '../store/faults.js';
import type { ItemRecord, ScheduleRecord } from '../store/store.js';
import { Store } from '../store/store.js';
import { ActiveJob, type Inherited, PENDING_HIGH_WATER } from './active-job.js';
import { clearFinished, deleteJob } from './delete.js';
import { Dispatcher } from './dispatcher.js';
import { EventHub } from './event-hub.js';
import { lockDataDir } from './lock.js';
import { type Fit, JobQueue, type QueuedWork } from './queue.js';
import { Schedules, scheduleInfo } from './schedules.js';
import type { Engine, EngineOptions, EngineStats, ShutdownOptions, ShutdownReport } from './types.js';

/** A long-running server keeps its store bounded, not only at start-up. */
const PRUNE_EVERY_MS = 3_600_000;
const DEFAULT_DRAIN_MS = 10_000;
/** A job's log lines past this many are not kept (the store must not grow with a chatty loop). */
const MAX_LOGS_PER_JOB = 10_000;

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const engine = new InProcessEngine(options);
  await engine.recover();
  return engine;
}

class InProcessEngine implements Engine {
  readonly dataDir: string;
  readonly pool: WorkerPool;
  private readonly store: Store;
  private readonly book: Schedules;
  /** Schedules started through this engine: it runs them even when it runs no others. */
  private readonly ownSchedules = new Set<string>();
  private readonly hub: EventHub;
  private readonly dispatcher: Dispatcher;
  private readonly unlock: () => void;
  private readonly registry: JobRegistry;
  /** Jobs not yet final: queued ones waiting their turn, and running ones. */
  private readonly live = new Map<string, JobSnapshot>();
  private readonly active = new Map<string, ActiveJob>();
  private readonly queue = new JobQueue(() => this.startQueued());
  private readonly dirty = new Set<JobSnapshot>();
  /** Item records of jobs that finished since the last write. */
  private finishedItems: ItemRecord[] = [];
  private readonly finishWaiters = new Map<string, ((job: JobSnapshot) => void)[]>();
  private readonly tick: NodeJS.Timeout;
  private itemsProcessed = 0;
  private readonly itemsByOutcome = { succeeded: 0, failed: 0, cancelled: 0 };
  private prunedAt = Date.now();
  private closing = false;
  /** Set while the store cannot be written: writes are retried each tick, and no new item starts. */
  private storageProblem: StorageError | null = null;
  private readonly log: (line: string) => void;
  private closed: Promise<ShutdownReport> | undefined;
  /** Set while shutting down: the last batch of a drain calls it, and so does a second shutdown. */
  private drained: (() => void) | undefined;
  private endDrain: (() => void) | undefined;

  constructor(private readonly options: EngineOptions) {
    this.dataDir = resolveDataDir(options.dataDir);
    const dataDir = this.dataDir;
    // The lock before the store: a second engine must not touch the file the owner writes.
    this.unlock = openingStore(dataDir, () => {
      mkdirSync(dataDir, { recursive: true });
      return lockDataDir(dataDir);
    });
    try {
      this.store = openingStore(dataDir, () => new Store(dataDir));
    } catch (error) {
      this.unlock();
      throw error;
    }
    this.log = options.log ?? ((line) => process.stderr.write(`threadline: ${line}\n`));
    this.book = new Schedules(this.store);
    this.registry = options.registry ?? {};
    this.hub = new EventHub(this.store.maxSeq(), (page) => {
      this.flush();
      return this.store.readEvents(page);
    });
    this.pool = new WorkerPool({
      ...(options.poolSize !== undefined ? { size: options.poolSize } : {}),
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      onAvailable: () => this.pump(),
      onLog: (log) => {
        const job = this.active.get(log.jobId);
        if (!job) return;
        if (++job.loggedLines > MAX_LOGS_PER_JOB) {
          job.droppedLogs++;
          return;
        }
        const event: Omit<LogEvent, 'seq' | 'at'> = {
          type: 'log',
          jobId: log.jobId,
          level: log.level,
          message: log.message,
          item: log.item,
        };
        this.hub.emit(event);
      },
    });
    this.dispatcher = new Dispatcher(this.pool, {
      itemsDone: (job, succeeded, others) => this.onItems(job, succeeded, others),
      batchFinished: (job) => this.afterBatch(job),
    });
    this.tick = setInterval(() => this.onTick(), options.tickMs ?? 100);
    this.tick.unref();
  }

  /** Jobs a crashed engine left unfinished are marked interrupted: their record must not say running. */
  async recover(): Promise<void> {
    const waiting: [JobSnapshot, ScheduleRecord][] = [];
    for (const job of this.store.unfinishedJobs()) {
      // A schedule's next run that was waiting its time is not lost work: it waits again.
      const schedule = this.book.get(job.scheduleId);
      if (job.state === 'queued' && schedule && !schedule.paused && schedule.lastJobId === job.id) {
        waiting.push([job, schedule]);
        continue;
      }
      this.finalize(job, 'interrupted', job.summary, {
        message: 'the engine stopped while this job was unfinished',
      });
    }
    this.store.prune(this.options.retention ?? {});
    // An engine that runs no schedules leaves their waiting runs waiting, in the store, for one that does.
    if (this.options.runSchedules === false) waiting.length = 0;
    for (const [job, schedule] of waiting) {
      try {
        const definition = await loadJob(schedule.moduleUrl);
        this.live.set(job.id, job);
        this.queue.add({ job, definition, moduleUrl: schedule.moduleUrl, input: job.input });
      } catch (error) {
        this.finalize(job, 'interrupted', null, {
          message: `its job no longer loads: ${(error as Error).message}`,
        });
        this.book.update(schedule, { paused: true, nextRunAt: null });
      }
    }
    // A schedule whose run was cut short by the stop runs once now (not once per period missed).
    for (const schedule of this.book.all()) {
      if (this.options.runSchedules === false) break;
      if (schedule.paused || waiting.some(([, s]) => s === schedule)) continue;
      await this.nextRunOf(schedule).catch(() =>
        this.book.update(schedule, { paused: true, nextRunAt: null }),
      );
    }
    this.flush();
    this.startQueued();
    if (!this.options.resumeInterrupted) return;
    for (const job of this.store.interruptedJobs()) {
      // One that cannot be resumed (its job is gone from the project) stays interrupted, and says why.
      await this.resume(job.id).catch((error: unknown) => {
        this.hub.emit({
          type: 'log',
          jobId: job.id,
          level: 'warn',
          message: `not resumed on start: ${(error as Error).message}`,
          item: null,
        });
      });
    }
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
    if (!every) return this.enqueue(definition, moduleUrl, parsed, null, null, maxFailures);
    const { name, title } = definition;
    const schedule = this.book.create({ name, title, moduleUrl, input: parsed, every, maxFailures });
    this.ownSchedules.add(schedule.id);
    return this.enqueueRun(schedule, definition, null);
  }

  /** Queues a schedule's next run, due at `runAt` (null: now). */
  private enqueueRun(
    schedule: ScheduleRecord,
    definition: AnyJobDefinition,
    runAt: number | null,
  ): JobSnapshot {
    const { id, moduleUrl, input, maxFailures } = schedule;
    const recordOnly = !this.runs(schedule);
    const job = this.enqueue(definition, moduleUrl, input, id, runAt, maxFailures, undefined, recordOnly);
    // A run that started at once has set the next run's time (a period after its start) already.
    const waiting = recordOnly || this.live.get(job.id)?.state === 'queued';
    this.book.update(
      schedule,
      waiting ? { lastJobId: job.id, nextRunAt: runAt ?? job.createdAt } : { lastJobId: job.id },
    );
    return job;
  }

  /** Queues the run after the schedule's last one: a period after it started, or now if that has passed. */
  private async nextRunOf(schedule: ScheduleRecord, definition?: AnyJobDefinition): Promise<void> {
    const loaded = definition ?? (await loadJob(schedule.moduleUrl));
    this.enqueueRun(schedule, loaded, this.book.nextRunAt(schedule));
  }

  async schedules(): Promise<ScheduleInfo[]> {
    return this.book.all().map(scheduleInfo);
  }

  async pauseSchedule(scheduleId: string): Promise<ScheduleInfo> {
    const schedule = this.book.find(scheduleId);
    if (!schedule.paused) {
      this.book.update(schedule, { paused: true, nextRunAt: null });
      this.dropQueuedRun(schedule, 'schedule paused');
    }
    return scheduleInfo(schedule);
  }

  async resumeSchedule(scheduleId: string): Promise<ScheduleInfo> {
    const schedule = this.book.find(scheduleId);
    if (this.closing) throw new ValidationError('the engine is closing');
    if (!schedule.paused) return scheduleInfo(schedule);
    this.book.update(schedule, { paused: false });
    // A run still going queues the next one when it ends.
    if (!(schedule.lastJobId && this.live.has(schedule.lastJobId))) await this.nextRunOf(schedule);
    this.startQueued();
    return scheduleInfo(schedule);
  }

  async removeSchedule(scheduleId: string): Promise<void> {
    const schedule = this.book.find(scheduleId);
    this.book.remove(scheduleId);
    this.dropQueuedRun(schedule, 'schedule removed');
  }

  /** A schedule's run waiting for its time is dropped (recorded cancelled); one that runs goes on. */
  private dropQueuedRun(schedule: ScheduleRecord, reason: string): void {
    const jobId = schedule.lastJobId;
    if (!jobId) return;
    const live = this.live.get(jobId);
    // A live run that is no longer queued is running: it goes on.
    if (live && !this.queue.remove(jobId)) return;
    // Not live here: an engine that runs no schedules holds it only in the store.
    const job = live ?? this.store.getJob(jobId);
    if (job?.state !== 'queued') return;
    this.hub.emit({ type: 'cancelling', jobId: job.id, reason, force: false });
    this.finalize(job, 'cancelled', null, null);
    this.flush();
  }

  /** Hands pending items to idle threads; none while the engine drains for shutdown. */
  private pump(): void {
    // While the store cannot be written, what runs is held in memory: starting more would grow it.
    if (!this.closing && !this.storageProblem) this.dispatcher.pump(this.active.values());
  }

  async resume(jobId: string): Promise<JobSnapshot> {
    if (this.closing) throw new ValidationError('the engine is closing');
    const live = this.live.get(jobId);
    if (live) throw new ValidationError(`job ${jobId} is ${live.state}: it can be resumed once it has ended`);
    this.flush();
    const old = this.store.getJob(jobId);
    if (!old) throw new NotFoundError(`no job with id ${jobId}`);
    if (old.resumedAs) throw new ValidationError(`job ${jobId} was resumed already, as ${old.resumedAs}`);
    if (old.state === 'succeeded')
      throw new ValidationError(`job ${jobId} succeeded: nothing to resume (start it again to redo it)`);
    const record = this.store.itemRecord(jobId);
    // A job interrupted before it started has no record: its name finds its module.
    const moduleUrl = record?.moduleUrl ?? resolveJobRef(old.name, this.registry, this.options.cwd);
    const definition = await loadJob(moduleUrl);
    const input = validateInput(definition.input, old.input, definition.name);
    const inherited: Inherited = {
      indices: new IndexSet(record?.succeeded ?? []),
      keys: definition.itemKey ? this.store.resultKeys(jobId) : null,
    };
    const job = this.enqueue(definition, moduleUrl, input, null, null, old.maxFailures, { jobId, inherited });
    this.store.copyResults(jobId, job.id);
    old.resumedAs = job.id;
    this.dirty.add(old);
    this.flush();
    return job;
  }

  private enqueue(
    definition: AnyJobDefinition,
    moduleUrl: string,
    input: unknown,
    scheduleId: string | null,
    runAt: number | null,
    maxFailures: number | undefined,
    resume?: { jobId: string; inherited: Inherited },
    /** Only recorded, for an engine that runs schedules to start when due (see runSchedules). */
    recordOnly = false,
  ): JobSnapshot {
    const job = queuedSnapshot(newStaticJob(definition, input, scheduleId, runAt, maxFailures));
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

  /** Whether this engine starts the runs of a schedule: its own, and any when it runs schedules. */
  private runs(schedule: ScheduleRecord): boolean {
    return this.options.runSchedules !== false || this.ownSchedules.has(schedule.id);
  }

  /** Starts queued jobs while the engine-wide and per-definition limits allow. */
  private startQueued(): void {
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
    const schedule = this.book.get(job.scheduleId);
    if (schedule)
      this.book.update(schedule, {
        lastStartedAt: job.startedAt,
        nextRunAt: job.startedAt + schedule.everyMs,
      });
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
    if (job.failure) this.dropPending(job);
    this.pump();
    this.afterBatch(job);
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
    this.requestCancel(job, { reason: maxFailuresReason(maxFailures), force: false });
  }

  private afterBatch(job: ActiveJob): void {
    if (job.resumeEnumeration && job.pending.length < PENDING_HIGH_WATER / 2) {
      job.resumeEnumeration();
      job.resumeEnumeration = undefined;
    }
    if (job.isComplete && this.active.get(job.snapshot.id) === job) this.complete(job);
    this.pump();
    if (this.drained && [...this.active.values()].every((active) => active.batches.size === 0))
      this.drained();
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
    this.finishedItems.push(this.itemRecord(job));
    // The last sample, so a stream's final progress agrees with the final counts.
    const progress = job.sample(Date.now());
    if (progress) this.hub.emit({ type: 'progress', jobId: job.snapshot.id, progress });
    // Stopped by a shutdown: what ran stands, the rest waits for a resume.
    const { state, summary, error } = job.interruptedBy
      ? { state: 'interrupted' as const, summary: null, error: { message: job.interruptedBy } }
      : finalState(job.finishing((keys) => this.store.results(job.snapshot.id, keys)));
    this.finalize(job.snapshot, state, summary, error);
    this.scheduleNext(job);
    this.startQueued();
  }

  private finalize(job: JobSnapshot, state: JobState, summary: unknown, error: JobSnapshot['error']): void {
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

  /** A run of a schedule that ended queues the next (a cancelled run removed its schedule). */
  private scheduleNext(job: ActiveJob): void {
    const schedule = this.book.get(job.snapshot.scheduleId);
    if (!schedule || schedule.paused || this.closing) return;
    void this.nextRunOf(schedule, job.definition);
  }

  async cancel(jobId: string, options: CancelOptions = {}): Promise<JobSnapshot> {
    const job = this.live.get(jobId);
    if (!job) {
      const stored = this.store.getJob(jobId);
      if (!stored) throw new NotFoundError(`no job with id ${jobId}`);
      return stored;
    }
    if (this.book.get(job.scheduleId)) this.book.remove(job.scheduleId!);
    const reason = options.reason ?? null;
    if (this.queue.remove(jobId)) {
      this.hub.emit({ type: 'cancelling', jobId, reason, force: options.force ?? false });
      this.finalize(job, 'cancelled', null, null);
      this.startQueued();
      return structuredClone(job);
    }
    const active = this.active.get(jobId);
    if (active) this.requestCancel(active, { reason, force: options.force ?? false });
    return structuredClone(job);
  }

  private requestCancel(job: ActiveJob, request: { reason: string | null; force: boolean }): void {
    if (job.cancel && (job.cancel.force || !request.force)) return;
    job.cancel = request;
    // The flag first: a loop calling throwIfCancelled() stops while the rest is recorded.
    for (const batch of job.batches) batch.slot.cancel();
    job.snapshot.state = 'cancelling';
    this.dirty.add(job.snapshot);
    this.hub.emit({
      type: 'cancelling',
      jobId: job.snapshot.id,
      reason: request.reason,
      force: request.force,
    });
    job.enumeration.abort();
    job.resumeEnumeration?.();
    this.dropPending(job);
    clearTimeout(job.graceTimer);
    const terminate = () => {
      for (const batch of job.batches) void batch.slot.terminate();
    };
    if (request.force) terminate();
    else {
      job.graceTimer = setTimeout(terminate, this.options.graceMs ?? 2000);
      job.graceTimer.unref();
    }
    this.afterBatch(job);
  }

  /** Items that never reached a worker are dropped at once, counted as cancelled. */
  private dropPending(job: ActiveJob): void {
    job.snapshot.items.cancelled += job.pending.length;
    job.pending.length = 0;
    this.dirty.add(job.snapshot);
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
    deleteJob(this.store, this.live, jobId);
  }

  async clearFinished(options: ClearOptions = {}): Promise<{ deleted: number }> {
    this.flush();
    return clearFinished(this.store, options);
  }

  events(options: EventsOptions = {}): AsyncIterable<JobEvent> {
    return this.hub.events(options);
  }

  stats(): EngineStats {
    this.flush();
    return {
      storage: this.storageProblem
        ? { ok: false, problem: this.storageProblem.message, reason: this.storageProblem.reason }
        : { ok: true },
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
    if (now - this.prunedAt > PRUNE_EVERY_MS && !this.storageProblem) {
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

  private itemRecord(job: ActiveJob): ItemRecord {
    job.itemsDirty = false;
    const results = job.unwrittenResults;
    job.unwrittenResults = [];
    return { jobId: job.snapshot.id, moduleUrl: job.moduleUrl, succeeded: job.succeeded.toJSON(), results };
  }

  /**
   * Writes what changed since the last write in one transaction. A storage fault (a full disk)
   * does not lose it: the events and records wait in memory for the next tick's try, and the
   * engine says so once, and again when the store is writable.
   */
  private flush(): void {
    const events = this.hub.takeUnwritten();
    const items = this.finishedItems;
    for (const job of this.active.values()) if (job.itemsDirty) items.push(this.itemRecord(job));
    if (events.length === 0 && this.dirty.size === 0 && items.length === 0) return;
    this.finishedItems = [];
    try {
      this.store.write(this.dirty, events, items);
    } catch (error) {
      const fault = storageFault(error, this.dataDir);
      if (!fault) throw error;
      this.hub.putBack(events);
      this.finishedItems = [...items, ...this.finishedItems];
      if (!this.storageProblem) {
        this.log(
          `${fault.message}; holding ${events.length} events in memory, starting no new items, and retrying`,
        );
      }
      this.storageProblem = fault;
      return;
    }
    this.dirty.clear();
    if (this.storageProblem) {
      this.storageProblem = null;
      this.log('the store is writable again; carrying on');
      this.pump();
    }
  }

  /**
   * Stops the engine: starts no more items, lets running ones finish for up to `drainMs`, then
   * stops the rest. Jobs left unfinished are recorded `interrupted` with `reason` (a resume picks
   * them up), never cancelled. Called again while draining with `drainMs: 0`, it stops at once.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    if (this.closing) {
      if (options.drainMs === 0) this.endDrain?.();
      return this.closed!;
    }
    this.closing = true;
    this.closed = this.stop(options);
    return this.closed;
  }

  async close(): Promise<void> {
    await this.shutdown();
  }

  private async stop(options: ShutdownOptions): Promise<ShutdownReport> {
    const reason = options.reason ?? 'the engine stopped';
    const drainMs = options.drainMs ?? this.options.drainMs ?? DEFAULT_DRAIN_MS;
    this.queue.close();
    const report: ShutdownReport = { drained: [], interrupted: [] };
    for (const job of [...this.live.values()]) {
      if (this.active.has(job.id)) continue;
      // A schedule's next run stays queued in the store: the next engine starts it when due.
      if (this.book.get(job.scheduleId)?.lastJobId === job.id) continue;
      this.queue.remove(job.id);
      this.finalize(job, 'interrupted', null, { message: reason });
      report.interrupted.push(job.id);
    }
    const running = [...this.active.values()];
    options.onDrain?.(running.map((job) => job.snapshot));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drainMs);
      this.endDrain = this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
      // Nothing out on a thread: no batch will call drained(), so this does (and clears the timer).
      if (running.every((job) => job.batches.size === 0)) this.drained();
    });
    this.drained = this.endDrain = undefined;
    const left = [...this.active.values()];
    await Promise.all(
      left.map((job) => {
        job.interruptedBy = reason;
        job.enumeration.abort();
        job.resumeEnumeration?.();
        job.pending.length = 0;
        const finished = this.waitFor(job.snapshot.id);
        for (const batch of job.batches) void batch.slot.terminate();
        // Nothing in flight: nothing will call back, so it is recorded here.
        this.afterBatch(job);
        return finished;
      }),
    );
    for (const job of running)
      (left.includes(job) ? report.interrupted : report.drained).push(job.snapshot.id);
    clearInterval(this.tick);
    this.flush();
    await this.pool.close();
    this.store.close();
    this.unlock();
    return report;
  }
}
