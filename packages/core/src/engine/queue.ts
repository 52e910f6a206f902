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

/** What the engine says of a due job: started it, not now (a per-definition limit), or no room for any. */
export type StartVerdict = 'started' | 'skip' | 'full';

export class JobQueue {
  private readonly waiting = new Map<string, QueuedWork>();
  private wakeTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private again = false;

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
   * Offers each due job, in queue order, to `offer`; arms a wake-up for the earliest run not yet due.
   * A job that ends while it is being started (its items() threw at once) drains the queue again from
   * inside `offer`: that call only asks for another pass, so no job is offered twice and none is missed.
   */
  drain(offer: (work: QueuedWork) => StartVerdict): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        this.pass(offer);
      } while (this.again);
    } finally {
      this.draining = false;
    }
  }

  private pass(offer: (work: QueuedWork) => StartVerdict): void {
    const now = Date.now();
    let nextWake = Number.POSITIVE_INFINITY;
    for (const [id, work] of this.waiting) {
      const { runAt } = work.job;
      if (runAt !== null && runAt > now) {
        nextWake = Math.min(nextWake, runAt);
        continue;
      }
      const verdict = offer(work);
      if (verdict === 'full') break;
      if (verdict === 'started') this.waiting.delete(id);
    }
    clearTimeout(this.wakeTimer);
    if (Number.isFinite(nextWake)) {
      this.wakeTimer = setTimeout(this.wake, Math.max(0, nextWake - now));
      this.wakeTimer.unref();
    }
  }

  close(): void {
    clearTimeout(this.wakeTimer);
  }
}
