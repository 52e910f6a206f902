// A schedule's runs through the engine: its first run, the next one queued
// when a run ends, the API that lists, pauses, resumes and removes schedules,
// and which schedules' runs this engine starts (see runSchedules).
import type { AnyJobDefinition } from '../job/define.js';
import { loadJob } from '../job/load.js';
import { ValidationError } from '../protocol/errors.js';
import type { JobSnapshot, ScheduleInfo } from '../protocol/types.js';
import type { ScheduleRecord } from '../store/store.js';
import type { ActiveJob } from './active-job.js';
import type { EngineContext } from './context.js';
import { type Schedules, scheduleInfo } from './schedules.js';

export class ScheduleRuns {
  /** Schedules started through this engine: it runs them even when it runs no others. */
  private readonly own = new Set<string>();

  constructor(
    private readonly engine: EngineContext,
    readonly book: Schedules,
  ) {}

  /** A periodic job: its schedule, and its first run now. */
  start(
    definition: AnyJobDefinition,
    moduleUrl: string,
    input: unknown,
    every: string,
    maxFailures: number | undefined,
  ): JobSnapshot {
    const { name, title } = definition;
    const schedule = this.book.create({ name, title, moduleUrl, input, every, maxFailures });
    this.own.add(schedule.id);
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
    const job = this.engine.enqueue({
      definition,
      moduleUrl,
      input,
      scheduleId: id,
      runAt,
      maxFailures,
      recordOnly,
    });
    // A run that started at once has set the next run's time (a period after its start) already.
    const waiting = recordOnly || this.engine.live.get(job.id)?.state === 'queued';
    this.book.update(
      schedule,
      waiting ? { lastJobId: job.id, nextRunAt: runAt ?? job.createdAt } : { lastJobId: job.id },
    );
    return job;
  }

  /** Queues the run after the schedule's last one: a period after it started, or now if that has passed. */
  async nextRunOf(schedule: ScheduleRecord, definition?: AnyJobDefinition): Promise<void> {
    const loaded = definition ?? (await loadJob(schedule.moduleUrl));
    this.enqueueRun(schedule, loaded, this.book.nextRunAt(schedule));
  }

  /** Whether this engine starts the runs of a schedule: its own, and any when it runs schedules. */
  private runs(schedule: ScheduleRecord): boolean {
    return this.engine.options.runSchedules !== false || this.own.has(schedule.id);
  }

  /** A run started: the next is due a period after this start. */
  started(job: JobSnapshot): void {
    const schedule = this.book.get(job.scheduleId);
    if (schedule && job.startedAt !== null)
      this.book.update(schedule, {
        lastStartedAt: job.startedAt,
        nextRunAt: job.startedAt + schedule.everyMs,
      });
  }

  /** A run of a schedule that ended queues the next (a cancelled run removed its schedule). */
  ended(job: ActiveJob): void {
    const schedule = this.book.get(job.snapshot.scheduleId);
    if (!schedule || schedule.paused || this.engine.closing) return;
    void this.nextRunOf(schedule, job.definition);
  }

  /** Cancelling a run removes its schedule, as Ctrl+C on `run --every` expects. */
  cancelled(job: JobSnapshot): void {
    if (this.book.get(job.scheduleId)) this.book.remove(job.scheduleId!);
  }

  /** A schedule's next run, waiting its time: a shutdown leaves it queued in the store. */
  isWaitingRun(job: JobSnapshot): boolean {
    return this.book.get(job.scheduleId)?.lastJobId === job.id;
  }

  list(): ScheduleInfo[] {
    this.engine.flush();
    return this.book.all().map((schedule) => this.info(schedule));
  }

  /** The schedule with its last outcome as written: the caller has flushed this tick's writes. */
  private info(schedule: ScheduleRecord): ScheduleInfo {
    return scheduleInfo(schedule, this.engine.store.lastFinished(schedule.id));
  }

  pause(scheduleId: string): ScheduleInfo {
    const schedule = this.book.find(scheduleId);
    if (!schedule.paused) {
      this.book.update(schedule, { paused: true, nextRunAt: null });
      this.dropQueuedRun(schedule, 'schedule paused');
    }
    this.engine.flush();
    return this.info(schedule);
  }

  async resume(scheduleId: string): Promise<ScheduleInfo> {
    const schedule = this.book.find(scheduleId);
    if (this.engine.closing) throw new ValidationError('the engine is closing');
    this.engine.flush();
    if (!schedule.paused) return this.info(schedule);
    this.book.update(schedule, { paused: false });
    // A run still going queues the next one when it ends.
    if (!(schedule.lastJobId && this.engine.live.has(schedule.lastJobId))) await this.nextRunOf(schedule);
    this.engine.startQueued();
    this.engine.flush();
    return this.info(schedule);
  }

  remove(scheduleId: string): void {
    const schedule = this.book.find(scheduleId);
    this.book.remove(scheduleId);
    this.dropQueuedRun(schedule, 'schedule removed');
  }

  /** A schedule's run waiting for its time is dropped (recorded cancelled); one that runs goes on. */
  private dropQueuedRun(schedule: ScheduleRecord, reason: string): void {
    const jobId = schedule.lastJobId;
    if (!jobId) return;
    const { engine } = this;
    const live = engine.live.get(jobId);
    // A live run that is no longer queued is running: it goes on.
    if (live && !engine.queue.remove(jobId)) return;
    // Not live here: an engine that runs no schedules holds it only in the store.
    const job = live ?? engine.store.getJob(jobId);
    if (job?.state !== 'queued') return;
    engine.hub.emit({ type: 'cancelling', jobId: job.id, reason, force: false });
    engine.finalize(job, 'cancelled', null, null);
    engine.flush();
  }
}
