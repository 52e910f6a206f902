// Jobs waiting their turn: which queued job may start now, and when to look
// again for a run due later (a schedule's next run).
import type { AnyJobDefinition } from '../job/define.js';
import type { JobSnapshot } from '../protocol/types.js';
import type { Inherited } from './active-job.js';

export interface QueuedWork {
  job: JobSnapshot;
  definition: AnyJobDefinition;
  moduleUrl: string;
  input: unknown;
  /** A resume: what the job it resumes already did. */
  inherited?: Inherited | null;
}

/** Whether a due job may start now: yes, not this one (its definition is at its limit), or none may. */
export type Fit = 'yes' | 'skip' | 'full';

export class JobQueue {
  private readonly waiting = new Map<string, QueuedWork>();
  private wakeTimer: NodeJS.Timeout | undefined;

  /** `wake` is called when a run queued for later becomes due. */
  constructor(private readonly wake: () => void) {}

  add(work: QueuedWork): void {
    this.waiting.set(work.job.id, work);
  }

  /** Drops a queued job; false if it was not waiting. */
  remove(jobId: string): boolean {
    return this.waiting.delete(jobId);
  }

  /**
   * Takes off the queue the first job, in queue order, that is due and that `fits` lets start.
   * When none is, it arms a wake-up for the earliest run due later. Taken before it starts, a job
   * cannot be offered twice, even when starting it ends it at once and the engine takes again.
   */
  take(fits: (work: QueuedWork) => Fit): QueuedWork | undefined {
    const now = Date.now();
    let nextWake = Number.POSITIVE_INFINITY;
    for (const [id, work] of this.waiting) {
      const { runAt } = work.job;
      if (runAt !== null && runAt > now) {
        nextWake = Math.min(nextWake, runAt);
        continue;
      }
      const fit = fits(work);
      if (fit === 'full') break;
      if (fit === 'yes') {
        this.waiting.delete(id);
        return work;
      }
    }
    clearTimeout(this.wakeTimer);
    if (Number.isFinite(nextWake)) {
      this.wakeTimer = setTimeout(this.wake, Math.max(0, nextWake - now));
      this.wakeTimer.unref();
    }
    return undefined;
  }

  close(): void {
    clearTimeout(this.wakeTimer);
  }
}
