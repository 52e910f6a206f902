// What the TUI knows of jobs, kept live by events. Events may arrive thousands
// of times a second; listeners (React) are told at most once per interval, so
// the screen renders at most ~10 times a second however busy the engine is.
import { isFinal, type JobEvent, type JobSnapshot } from '@threadline/core';
import { applyEvent } from './apply-event.js';
import { compareJobs } from './order.js';

export interface JobsStoreOptions {
  /** Shortest time between two notifications; default 100 ms (10 renders a second). */
  intervalMs?: number;
  /** Finished jobs kept in memory; the oldest are forgotten first. Default 500. */
  maxFinished?: number;
}

export class JobsStore {
  private readonly jobs = new Map<string, JobSnapshot>();
  private readonly listeners = new Set<() => void>();
  private readonly intervalMs: number;
  private readonly maxFinished: number;
  private sorted: readonly JobSnapshot[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastNotify = Number.NEGATIVE_INFINITY;
  /** How many batches listeners have been told of: at most one per interval. */
  notifications = 0;

  constructor(options: JobsStoreOptions = {}) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxFinished = options.maxFinished ?? 500;
  }

  /** Replaces what is known of these jobs (from a listing or a fetch). */
  put(jobs: Iterable<JobSnapshot>): void {
    for (const job of jobs) this.jobs.set(job.id, job);
    this.schedule();
  }

  /** Folds an event into its job; false when the job is unknown here (the caller fetches it). */
  apply(event: JobEvent): boolean {
    const job = this.jobs.get(event.jobId);
    if (event.type === 'queued') this.jobs.set(event.jobId, event.job);
    else if (!job) return false;
    else {
      const next = applyEvent(job, event);
      if (next === job) return true;
      this.jobs.set(job.id, next);
    }
    this.schedule();
    return true;
  }

  get(jobId: string): JobSnapshot | undefined {
    return this.jobs.get(jobId);
  }

  /** Jobs in display order; the same array until the next notification (as useSyncExternalStore needs). */
  readonly list = (): readonly JobSnapshot[] => this.sorted;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Stops pending notifications. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastNotify + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.notify(), wait);
  }

  private notify(): void {
    this.timer = undefined;
    this.lastNotify = Date.now();
    this.sorted = [...this.jobs.values()].sort(compareJobs);
    this.forgetOldest();
    this.notifications += 1;
    for (const listener of this.listeners) listener();
  }

  private forgetOldest(): void {
    const finished = this.sorted.filter((job) => isFinal(job.state));
    if (finished.length <= this.maxFinished) return;
    const forget = new Set(finished.slice(this.maxFinished).map((job) => job.id));
    for (const id of forget) this.jobs.delete(id);
    this.sorted = this.sorted.filter((job) => !forget.has(job.id));
  }
}
