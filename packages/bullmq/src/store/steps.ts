// The steps that change a job's record, each one Lua script (./scripts.ts):
// create, begin, enumerate, claim and record a chunk, fail one, cancel,
// progress, finish, log. A finish and a cancel that ends the job prune first.
import type { ErrorInfo, ItemEvent, JobSnapshot, LogEvent } from '@threadline/core';
import { RATE_SMOOTHING, type StaticJob } from '@threadline/core/internal';
import type { RedisClient } from '../connection.js';
import type { Keys } from './keys.js';
import type { Retention } from './retention.js';
import type { Arg, ScriptRunner } from './run-script.js';

/** final: the job has ended; stop: it is stopping, run nothing; recorded: the chunk's outcomes are in already. */
export type ClaimResult = 'final' | 'stop' | 'recorded' | 'run';

export interface RecordedItem {
  index: number;
  outcome: ItemEvent['outcome'];
  /** JSON of a succeeded item's result; '' otherwise. */
  result: string;
  event: Omit<ItemEvent, 'seq' | 'at'>;
}

/** A periodic job's schedule, as its first run is created with it. */
export interface NewSchedule {
  id: string;
  everyMs: number;
  /** The static JSON and the queued snapshot of its runs, without id, createdAt and runAt. */
  staticTemplate: string;
  snapshotTemplate: string;
}

/** The run a finishing run of a schedule queued, due at `runAt`. */
export interface NextRun {
  id: string;
  runAt: number;
}

export class JobSteps {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly scripts: ScriptRunner,
    private readonly retention: Retention,
  ) {}

  async create(
    fixed: StaticJob,
    ref: string,
    mode: string,
    queued: JobSnapshot,
    schedule?: NewSchedule,
  ): Promise<void> {
    const event = { type: 'queued', jobId: fixed.id, job: queued };
    const k = this.keys;
    await this.scripts.run(
      'create',
      fixed.id,
      [k.jobs, k.handoff, k.schedule(schedule?.id ?? ''), k.schedules],
      JSON.stringify(fixed),
      ref,
      mode,
      fixed.createdAt,
      JSON.stringify(event),
      schedule?.id ?? '',
      schedule?.everyMs ?? 0,
      schedule?.staticTemplate ?? '',
      schedule?.snapshotTemplate ?? '',
    );
  }

  async begin(jobId: string): Promise<string> {
    return String(await this.scripts.run('begin', jobId, []));
  }

  /** `complete`: nothing more can happen to the job's items; `stopping`: stop enumerating. */
  async enumerated(
    jobId: string,
    count: number,
    done: boolean,
    failure?: ErrorInfo,
  ): Promise<{ complete: boolean; stopping: boolean }> {
    const failed = failure ? JSON.stringify(failure) : '';
    const [complete, stopping] = (await this.scripts.run(
      'enumerated',
      jobId,
      [this.keys.activeChunks, this.keys.recorded(jobId)],
      count,
      done ? 1 : 0,
      failed,
    )) as number[];
    return { complete: complete === 1, stopping: stopping === 1 };
  }

  /** Before running a chunk that may have run before: whether to run it (see claim.lua). */
  async claim(jobId: string, start: number): Promise<ClaimResult> {
    return (await this.scripts.run('claim', jobId, [this.keys.recorded(jobId)], start)) as ClaimResult;
  }

  /**
   * Records chunks of one job, each whole unless it is recorded already (its first recording
   * stands). Returns how many items it recorded and whether the job is now complete.
   */
  async record(
    jobId: string,
    workerId: string,
    chunks: { start: number; items: RecordedItem[] }[],
  ): Promise<{ added: number; complete: boolean }> {
    const args: Arg[] = [];
    for (const { start, items } of chunks) {
      const results: Arg[] = [];
      const others: Arg[] = [];
      let succeeded = 0;
      for (const item of items) {
        if (item.outcome !== 'succeeded') others.push(item.outcome, JSON.stringify(item.event));
        else {
          // A success is counted, not told: the call's successes are one `items` event.
          succeeded++;
          if (item.result !== '') results.push(item.index, item.result);
        }
      }
      args.push(start, succeeded, results.length / 2, others.length / 2, ...results, ...others);
    }
    const k = this.keys;
    const own = [k.activeChunks, k.recorded(jobId), k.results(jobId), k.inflight(jobId), k.failures(jobId)];
    const [added, complete] = (await this.scripts.run('record', jobId, own, workerId, ...args)) as number[];
    return { added: added ?? 0, complete: complete === 1 };
  }

  /**
   * Fails a chunk's items with their events' error, unless the chunk is recorded already;
   * with `stop`, the job stops with that failure (unless it is stopping already). Runs at maxmemory.
   */
  async failChunk(
    jobId: string,
    start: number,
    workerId: string,
    failed: Omit<ItemEvent, 'seq' | 'at'>[],
    stop: { failure: ErrorInfo; reason: string } | null,
  ): Promise<{ added: number; complete: boolean }> {
    const k = this.keys;
    const [added, complete] = (await this.scripts.run(
      'failChunk',
      jobId,
      [k.activeChunks, k.recorded(jobId), k.inflight(jobId), k.failures(jobId)],
      start,
      workerId,
      stop ? JSON.stringify(stop.failure) : '',
      stop?.reason ?? '',
      k.cancelChannel,
      ...failed.map((event) => JSON.stringify(event)),
    )) as number[];
    return { added: added ?? 0, complete: complete === 1 };
  }

  async cancel(
    jobId: string,
    options: { reason?: string | null; force?: boolean; failure?: ErrorInfo },
  ): Promise<{ state: string; complete: boolean }> {
    const k = this.keys;
    // A job's schedule is fixed at creation: read first, so the script is given its key.
    const scheduleId = (await this.redis.hget(k.job(jobId), 'scheduleId')) ?? '';
    const [state, complete] = (await this.scripts.run(
      'cancel',
      jobId,
      [
        k.activeChunks,
        k.recorded(jobId),
        k.schedule(scheduleId),
        k.schedules,
        k.finished,
        k.finishedAt,
        k.handoff,
      ],
      options.reason ?? '',
      options.force ? 1 : 0,
      options.failure ? JSON.stringify(options.failure) : '',
      scheduleId,
      k.cancelChannel,
    )) as [string, number];
    if (state === 'cancelled') await this.retention.prune(jobId);
    return { state, complete: complete === 1 };
  }

  async progress(
    jobId: string,
    workerId: string,
    share: { completed: number; partial: number; message: string | null | undefined },
  ): Promise<{ state: string; force: boolean }> {
    const hasMessage = share.message !== undefined;
    const [state, force] = (await this.scripts.run(
      'progress',
      jobId,
      [this.keys.inflight(jobId)],
      workerId,
      share.completed,
      share.partial,
      share.message ?? '',
      hasMessage ? 1 : 0,
      RATE_SMOOTHING.minIntervalMs,
      RATE_SMOOTHING.tauMs,
    )) as [string, number];
    return { state, force: force === 1 };
  }

  /**
   * Gives the job its final state unless it has one. `nextId` names the next run, should the
   * job be a run of a live schedule; the run recorded is returned, to be queued.
   */
  async finish(
    jobId: string,
    scheduleId: string | null,
    state: string,
    summary: unknown,
    error: ErrorInfo | null,
    nextId: string,
  ): Promise<{ finished: boolean; next: NextRun | null }> {
    const k = this.keys;
    const own = [
      k.inflight(jobId),
      k.recorded(jobId),
      k.results(jobId),
      k.finished,
      k.finishedAt,
      k.handoff,
      k.schedule(scheduleId ?? ''),
      k.jobs,
      k.job(nextId),
      k.jobEvents(nextId),
    ];
    await this.retention.prune(jobId, 1);
    const [finished, id, runAt] = (await this.scripts.run(
      'finish',
      jobId,
      own,
      state,
      JSON.stringify(summary ?? null),
      JSON.stringify(error),
      nextId,
      scheduleId ?? '',
    )) as [number, string?, number?];
    return {
      finished: finished === 1,
      next: id !== undefined && runAt !== undefined ? { id, runAt: Number(runAt) } : null,
    };
  }

  /** The run's control job is queued: it no longer waits for a sweep. */
  async handedOff(jobId: string): Promise<void> {
    await this.redis.zrem(this.keys.handoff, jobId);
  }

  async log(event: Omit<LogEvent, 'seq' | 'at'>): Promise<void> {
    await this.scripts.run('log', event.jobId, [this.keys.logs(event.jobId)], JSON.stringify(event));
  }
}
