// On open, what a stopped engine left: jobs it left unfinished are recorded
// interrupted (their record must not say running), a schedule's waiting run
// waits again, a schedule whose run was cut short runs once, and with
// resumeInterrupted the interrupted jobs are resumed.
import { loadJob } from '../job/load.js';
import type { JobSnapshot } from '../protocol/types.js';
import type { ScheduleRecord } from '../store/store.js';
import type { EngineContext } from './context.js';

export async function recover(engine: EngineContext): Promise<void> {
  const { store, options, runs } = engine;
  const { book } = runs;
  const waiting: [JobSnapshot, ScheduleRecord][] = [];
  for (const job of store.unfinishedJobs()) {
    // A schedule's next run that was waiting its time is not lost work: it waits again.
    const schedule = book.get(job.scheduleId);
    if (job.state === 'queued' && schedule && !schedule.paused && schedule.lastJobId === job.id) {
      waiting.push([job, schedule]);
      continue;
    }
    engine.finalize(job, 'interrupted', job.summary, {
      message: 'the engine stopped while this job was unfinished',
    });
  }
  store.prune(options.retention ?? {});
  // An engine that runs no schedules leaves their waiting runs waiting, in the store, for one that does.
  if (options.runSchedules === false) waiting.length = 0;
  for (const [job, schedule] of waiting) {
    try {
      const definition = await loadJob(schedule.moduleUrl);
      engine.live.set(job.id, job);
      engine.queue.add({ job, definition, moduleUrl: schedule.moduleUrl, input: job.input });
    } catch (error) {
      engine.finalize(job, 'interrupted', null, {
        message: `its job no longer loads: ${(error as Error).message}`,
      });
      book.update(schedule, { paused: true, nextRunAt: null });
    }
  }
  // A schedule whose run was cut short by the stop runs once now (not once per period missed).
  for (const schedule of book.all()) {
    if (options.runSchedules === false) break;
    if (schedule.paused || waiting.some(([, s]) => s === schedule)) continue;
    await runs.nextRunOf(schedule).catch(() => book.update(schedule, { paused: true, nextRunAt: null }));
  }
  engine.flush();
  engine.startQueued();
  if (!options.resumeInterrupted) return;
  for (const job of store.interruptedJobs()) {
    // One that cannot be resumed (its job is gone from the project) stays interrupted, and says why.
    await engine.resume(job.id).catch((error: unknown) => {
      engine.hub.emit({
        type: 'log',
        jobId: job.id,
        level: 'warn',
        message: `not resumed on start: ${(error as Error).message}`,
        item: null,
      });
    });
  }
}
