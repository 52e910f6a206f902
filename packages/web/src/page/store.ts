// The page's model of the jobs: the active ones in full, the history a page at
// a time, kept current by the SSE event stream. Events are applied as they
// come and the view is told at most once per frame, so a storm of progress
// events across thousands of jobs costs one render per frame.
import type { JobEvent, JobSnapshot, JobState } from '@threadline/core';
import { useSyncExternalStore } from 'react';
import { getJob, listJobs, trpc } from './api';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface JobsView {
  active: JobSnapshot[];
  history: JobSnapshot[];
  historyComplete: boolean;
  connection: Connection;
  loaded: boolean;
  /** Bumped on every change; details views refetch when their job's changes. */
  version: number;
}

const FINAL: JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];
const ACTIVE: JobState[] = ['queued', 'running', 'cancelling'];
const PAGE = 50;
/** States only move forward; a snapshot older than what events already said is ignored. */
const RANK: Record<JobState, number> = {
  queued: 0,
  running: 1,
  cancelling: 2,
  succeeded: 3,
  failed: 3,
  cancelled: 3,
  interrupted: 3,
};
const isFinal = (state: JobState) => RANK[state] === 3;

export class JobStore {
  private active = new Map<string, JobSnapshot>();
  private history: JobSnapshot[] = [];
  private historyComplete = false;
  /** The highest state each job has reached, as far as this page knows. */
  private rank = new Map<string, number>();
  private lastSeq: number | undefined;
  private connection: Connection = 'connecting';
  private loaded = false;
  private view: JobsView;
  private listeners = new Set<() => void>();
  private frame: number | undefined;
  private unsubscribe: (() => void) | undefined;
  private retries = 0;
  private fetching = new Set<string>();

  constructor() {
    this.view = this.makeView(0);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getView = () => this.view;

  private connect(): void {
    const subscription = trpc.jobs.events.subscribe(
      this.lastSeq !== undefined ? { lastEventId: String(this.lastSeq) } : {},
      {
        // On every (re)connection: the stream resumes after lastSeq, and a fresh
        // listing catches what happened while no stream was open (a restart).
        onStarted: () => {
          this.retries = 0;
          this.connection = 'live';
          this.changed();
          void this.refresh();
        },
        onData: (envelope) => this.apply(envelope.data as JobEvent),
        onConnectionStateChange: (state) => {
          if (state.state === 'connecting' && this.connection === 'live') {
            this.connection = 'reconnecting';
            this.changed();
          }
        },
        onError: () => {
          // The stream failed for good (the server answered with an error); open a new one.
          subscription.unsubscribe();
          this.connection = 'reconnecting';
          this.changed();
          const wait = Math.min(500 * 2 ** this.retries++, 5000);
          setTimeout(() => this.connect(), wait);
        },
      },
    );
    this.unsubscribe = () => subscription.unsubscribe();
  }

  /** Reloads the active jobs and the first page of history, merged with what events said. */
  async refresh(): Promise<void> {
    const [active, history] = await Promise.all([
      listJobs({ state: ACTIVE, limit: 1000 }),
      listJobs({ state: FINAL, limit: PAGE }),
    ]).catch(() => [undefined, undefined]);
    if (!active || !history) return;
    const nextActive = new Map<string, JobSnapshot>();
    for (const job of active) {
      if (!this.isStale(job)) nextActive.set(job.id, this.merge(this.active.get(job.id), job));
    }
    // A job still active here but not in the listing ended while we were away; history has it.
    this.active = nextActive;
    for (const job of history) this.note(job);
    this.history = history;
    this.historyComplete = history.length < PAGE;
    this.loaded = true;
    this.changed();
  }

  async loadMoreHistory(): Promise<void> {
    const last = this.history.at(-1);
    const page = await listJobs({ state: FINAL, limit: PAGE, ...(last ? { before: last.id } : {}) });
    const known = new Set(this.history.map((job) => job.id));
    this.history = [...this.history, ...page.filter((job) => !known.has(job.id))];
    this.historyComplete = page.length < PAGE;
    this.changed();
  }

  private isStale(job: JobSnapshot): boolean {
    return (this.rank.get(job.id) ?? -1) > RANK[job.state];
  }

  private note(job: JobSnapshot): void {
    this.rank.set(job.id, Math.max(this.rank.get(job.id) ?? -1, RANK[job.state]));
  }

  private merge(current: JobSnapshot | undefined, incoming: JobSnapshot): JobSnapshot {
    this.note(incoming);
    if (!current) return incoming;
    // Progress only grows; keep whichever of the two is further along.
    return current.progress.done > incoming.progress.done
      ? { ...incoming, progress: current.progress }
      : incoming;
  }

  apply(event: JobEvent): void {
    if (this.lastSeq !== undefined && event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    if (event.type === 'queued') {
      if (!this.isStale(event.job))
        this.active.set(event.jobId, this.merge(this.active.get(event.jobId), event.job));
      this.changed();
      return;
    }
    const job = this.active.get(event.jobId);
    if (event.type === 'finished') {
      const base = job ?? this.history.find((j) => j.id === event.jobId);
      this.active.delete(event.jobId);
      this.rank.set(event.jobId, RANK[event.state]);
      if (base) {
        const done: JobSnapshot = {
          ...base,
          state: event.state,
          summary: event.summary,
          error: event.error,
          items: event.items,
          finishedAt: event.at,
        };
        this.history = [done, ...this.history.filter((j) => j.id !== event.jobId)];
      } else {
        void this.fetchJob(event.jobId);
      }
      this.changed();
      return;
    }
    if (!job) {
      if (this.loaded && (this.rank.get(event.jobId) ?? 0) < 3) void this.fetchJob(event.jobId);
      return;
    }
    const next = update(job, event);
    if (next !== job) {
      this.note(next);
      this.active.set(job.id, next);
      this.changed();
    }
  }

  /** A job this page has not listed yet (it started between a listing and the stream). */
  private async fetchJob(id: string): Promise<void> {
    if (this.fetching.has(id)) return;
    this.fetching.add(id);
    try {
      const job = await getJob(id);
      if (this.isStale(job)) return;
      this.note(job);
      if (isFinal(job.state)) {
        this.history = [job, ...this.history.filter((j) => j.id !== id)].sort(
          (a, b) => b.createdAt - a.createdAt,
        );
      } else {
        this.active.set(id, this.merge(this.active.get(id), job));
      }
      this.changed();
    } catch {
      // Gone (pruned) or the server is away; the next refresh settles it.
    } finally {
      this.fetching.delete(id);
    }
  }

  private changed(): void {
    if (this.frame !== undefined) return;
    const flush = () => {
      this.frame = undefined;
      this.view = this.makeView(this.view.version + 1);
      for (const listener of this.listeners) listener();
    };
    // requestAnimationFrame stops in a background tab; a timer still delivers, just rarely.
    this.frame =
      typeof document !== 'undefined' && document.hidden
        ? (setTimeout(flush, 250) as unknown as number)
        : requestAnimationFrame(flush);
  }

  private makeView(version: number): JobsView {
    const order = (job: JobSnapshot) => (job.state === 'queued' ? 1 : 0);
    const active = [...this.active.values()].sort(
      (a, b) => order(a) - order(b) || (a.startedAt ?? a.createdAt) - (b.startedAt ?? b.createdAt),
    );
    return {
      active,
      history: this.history,
      historyComplete: this.historyComplete,
      connection: this.connection,
      loaded: this.loaded,
      version,
    };
  }
}

function update(job: JobSnapshot, event: JobEvent): JobSnapshot {
  switch (event.type) {
    case 'started':
      return RANK[job.state] < 1 ? { ...job, state: 'running', startedAt: event.at } : job;
    case 'progress':
      return { ...job, progress: event.progress };
    case 'cancelling':
      return RANK[job.state] < 2 ? { ...job, state: 'cancelling' } : job;
    case 'item': {
      const items = { ...job.items };
      items[event.outcome]++;
      return { ...job, items };
    }
    default:
      return job;
  }
}

export const jobStore = new JobStore();

export function useJobs(): JobsView {
  return useSyncExternalStore(jobStore.subscribe, jobStore.getView);
}
