// Typed calls on a deployment's Redis: the scripts that change job records,
// and the reads clients make. Shared by the client and the worker.
import type { ErrorInfo, ItemEvent, JobEvent, JobSnapshot, LogEvent } from '@threadline/core';
import { RATE_SMOOTHING, type StaticJob } from '@threadline/core/internal';
import { asRedisError, type RedisClient } from '../connection.js';
import { type Keys, keys } from './keys.js';
import { SCRIPTS, type ScriptName } from './scripts.js';
import { toSnapshot } from './snapshot.js';

type Arg = string | number;
type ScriptFn = (...args: Arg[]) => Promise<unknown>;

/** final: the job has ended; stop: it is stopping, run nothing; recorded: the chunk's outcomes are in already. */
export type ClaimResult = 'final' | 'stop' | 'recorded' | 'run';

export interface RecordedItem {
  index: number;
  outcome: ItemEvent['outcome'];
  /** JSON of a succeeded item's result; '' otherwise. */
  result: string;
  event: Omit<ItemEvent, 'seq' | 'at'>;
}

/** What the finisher needs to decide a job's final state. */
export interface FinishInfo {
  state: string;
  ref: string;
  mode: 'process' | 'run';
  input: unknown;
  enumerated: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  cancelRequested: boolean;
  failure: ErrorInfo | null;
  /** The first failed item's error (the failures list keeps them in the order they were recorded). */
  firstItemError: ErrorInfo | null;
  /** The run's maxFailures, as its start recorded it. */
  maxFailures: number | undefined;
  /** The schedule it is a run of, or null. */
  scheduleId: string | null;
}

/** What core's maxFailures rule needs of a running job. */
export interface FailureCounts {
  /** Items enumerated, once they all are; null while enumerating. */
  total: number | null;
  failed: number;
  firstItemError: ErrorInfo | null;
}

/** How much history a deployment keeps in Redis. */
export interface RetentionOptions {
  /** Finished jobs kept, newest first, with their events; default 10,000. */
  maxJobs?: number;
  /** Finished jobs are removed this long (ms) after they finished, however few there are; default: kept. */
  maxAgeMs?: number;
  /**
   * Events one job's stream keeps, about (XADD MAXLEN ~); default 10,000. A reader resuming from
   * a cursor trimmed away gets the job's current progress, then what the stream still has.
   */
  maxJobEvents?: number;
  /** Events the deployment's stream (`events()` without a jobId) keeps, about; default 100,000. */
  maxEvents?: number;
}

/** Jobs one prune removes at most, so a lowered maxJobs catches up over a few finishes, none a long pause. */
const PRUNE_BATCH = 100;
/** Results read per HSCAN at finish: one HGETALL of 100k blocked Redis 69 ms; a page of 200 is well under 1 ms on a quiet machine. */
const RESULTS_PAGE = 200;

/** A connected worker as it advertises itself in Redis; refreshed by its heartbeat, gone once it closes or dies. */
export interface WorkerInfo {
  /** The worker's id (`<host>:<pid>:<random>`), as in BullmqWorker.id. */
  id: string;
  /** os.hostname() of its machine. */
  host: string;
  pid: number;
  /** Worker threads, and so items it runs at once. */
  threads: number;
  /** Names in its registry, sorted: the jobs it can run by name. */
  jobs: string[];
  /** When it started (ms since the epoch). */
  startedAt: number;
  /** Its last heartbeat (ms since the epoch). */
  seenAt: number;
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

export class RedisStore {
  readonly keys: Keys;
  private readonly maxJobs: number;
  private readonly maxAgeMs: number | undefined;
  private readonly maxJobEvents: number;
  /** Entries the deployment's stream keeps, about (retention.maxEvents, at least a stream node). */
  readonly maxEvents: number;

  constructor(
    readonly redis: RedisClient,
    prefix?: string,
    retention: RetentionOptions = {},
  ) {
    this.keys = keys(prefix);
    this.maxJobs = Math.max(1, Math.floor(retention.maxJobs ?? 10_000));
    this.maxAgeMs = retention.maxAgeMs;
    // At least a stream node's worth (stream-node-max-entries is 100): `~` trims whole nodes only.
    this.maxJobEvents = Math.max(100, Math.floor(retention.maxJobEvents ?? 10_000));
    this.maxEvents = Math.max(100, Math.floor(retention.maxEvents ?? 100_000));
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      // defineCommand runs EVALSHA and falls back to EVAL, so a restarted Redis (empty script cache) is fine.
      if (!(`tl_${name}` in redis)) redis.defineCommand(`tl_${name}`, SCRIPTS[name]);
    }
  }

  /**
   * Runs a job script: the prelude's KEYS (the job's hash and stream, the global stream and its
   * counter) and ARGV (job id, stream caps) first, then the script's own, as its header lists them.
   */
  private async run(name: ScriptName, jobId: string, own: string[], ...args: Arg[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<string, ScriptFn>)[`tl_${name}`]!;
    const k = this.keys;
    const all = [k.job(jobId), k.jobEvents(jobId), k.events, k.seq, ...own];
    if (all.length !== SCRIPTS[name].numberOfKeys)
      throw new Error(`script ${name} takes ${SCRIPTS[name].numberOfKeys} keys, given ${all.length}`);
    try {
      return await fn.call(this.redis, ...all, jobId, this.maxJobEvents, this.maxEvents, ...args);
    } catch (error) {
      throw asRedisError(error);
    }
  }

  /**
   * Retention: removes the oldest finished jobs past maxJobs (less `room`: a finish prunes just
   * before its job joins them, so a reader of its finished event already sees what is kept) and
   * those finished more than maxAgeMs ago, every key of theirs, and trims the global stream to
   * the oldest kept job's first event. `keep` (the job finishing) is never the one to go.
   */
  async prune(keep: string, room = 0): Promise<void> {
    const k = this.keys;
    const over = (await this.redis.zcard(k.finished)) - (this.maxJobs - room);
    const old = over > 0 ? await this.redis.zrange(k.finished, 0, Math.min(over, PRUNE_BATCH) - 1) : [];
    const expired =
      this.maxAgeMs === undefined
        ? []
        : await this.redis.zrangebyscore(
            k.finishedAt,
            '-inf',
            `(${Date.now() - this.maxAgeMs}`,
            'LIMIT',
            0,
            PRUNE_BATCH,
          );
    const ids = [...new Set([...old, ...expired])].filter((id) => id !== keep);
    if (ids.length === 0) return;
    for (const id of ids) await this.remove(id);
    const oldest = await this.redis.zrange(k.finished, 0, 0, 'WITHSCORES');
    if (oldest[1] && Number(oldest[1]) > 0) await this.redis.xtrim(k.events, 'MINID', `${oldest[1]}-0`);
  }

  /** Every key of a finished job (UNLINK: freed off Redis's main thread), as retention and delete remove it. */
  async remove(jobId: string): Promise<void> {
    const k = this.keys;
    await this.redis
      .multi()
      .unlink(...k.allOfJob(jobId))
      .zrem(k.jobs, jobId)
      .zrem(k.finished, jobId)
      .zrem(k.finishedAt, jobId)
      .exec();
  }

  async create(
    fixed: StaticJob,
    ref: string,
    mode: string,
    queued: JobSnapshot,
    schedule?: NewSchedule,
  ): Promise<void> {
    const event = { type: 'queued', jobId: fixed.id, job: queued };
    const k = this.keys;
    await this.run(
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
    return String(await this.run('begin', jobId, []));
  }

  /** `complete`: nothing more can happen to the job's items; `stopping`: stop enumerating. */
  async enumerated(
    jobId: string,
    count: number,
    done: boolean,
    failure?: ErrorInfo,
  ): Promise<{ complete: boolean; stopping: boolean }> {
    const failed = failure ? JSON.stringify(failure) : '';
    const [complete, stopping] = (await this.run(
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
    return (await this.run('claim', jobId, [this.keys.recorded(jobId)], start)) as ClaimResult;
  }

  /**
   * Records a chunk's outcomes, unless it is recorded already (its first recording stands).
   * Returns how many items it recorded and whether the job is now complete.
   */
  async record(
    jobId: string,
    start: number,
    workerId: string,
    items: RecordedItem[],
  ): Promise<{ added: number; complete: boolean }> {
    const results: Arg[] = [];
    const others: Arg[] = [];
    let succeeded = 0;
    for (const item of items) {
      if (item.outcome !== 'succeeded') others.push(item.outcome, JSON.stringify(item.event));
      else {
        // A success is counted, not told: the chunk's successes are one `items` event.
        succeeded++;
        if (item.result !== '') results.push(item.index, item.result);
      }
    }
    const k = this.keys;
    const own = [k.activeChunks, k.recorded(jobId), k.results(jobId), k.inflight(jobId), k.failures(jobId)];
    const [added, complete] = (await this.run(
      'record',
      jobId,
      own,
      start,
      workerId,
      succeeded,
      results.length / 2,
      ...results,
      ...others,
    )) as number[];
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
    const [added, complete] = (await this.run(
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
    const [state, complete] = (await this.run(
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
    if (state === 'cancelled') await this.prune(jobId);
    return { state, complete: complete === 1 };
  }

  async progress(
    jobId: string,
    workerId: string,
    share: { completed: number; partial: number; message: string | null | undefined },
  ): Promise<{ state: string; force: boolean }> {
    const hasMessage = share.message !== undefined;
    const [state, force] = (await this.run(
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
    await this.prune(jobId, 1);
    const [finished, id, runAt] = (await this.run(
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

  /** Runs recorded before `before` (ms) whose control job was never reported queued. */
  stranded(before: number, count = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.handoff, '-inf', `(${before}`, 'LIMIT', 0, count);
  }

  /** The job's state and its items with an outcome so far (succeeded, failed or cancelled). */
  async outcomeCounts(jobId: string): Promise<{ state: string | null; done: number }> {
    const [state, ...counts] = await this.redis.hmget(
      this.keys.job(jobId),
      'state',
      'succeeded',
      'failed',
      'cancelled',
    );
    return { state: state ?? null, done: counts.reduce((sum, n) => sum + Number(n ?? 0), 0) };
  }

  async state(jobId: string): Promise<string | null> {
    return this.redis.hget(this.keys.job(jobId), 'state');
  }

  async log(event: Omit<LogEvent, 'seq' | 'at'>): Promise<void> {
    await this.run('log', event.jobId, [this.keys.logs(event.jobId)], JSON.stringify(event));
  }

  async get(jobId: string): Promise<JobSnapshot | undefined> {
    return toSnapshot(await this.redis.hgetall(this.keys.job(jobId)));
  }

  async getMany(jobIds: string[]): Promise<JobSnapshot[]> {
    if (jobIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of jobIds) pipeline.hgetall(this.keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    const jobs: JobSnapshot[] = [];
    for (const [error, hash] of replies) {
      const job = error ? undefined : toSnapshot(hash as Record<string, string>);
      if (job) jobs.push(job);
    }
    return jobs;
  }

  /** Job ids, newest first, created strictly before `beforeScore` when given. */
  async jobIds(beforeScore: number | null, count: number): Promise<string[]> {
    const max = beforeScore === null ? '+inf' : `(${beforeScore}`;
    return this.redis.zrevrangebyscore(this.keys.jobs, max, '-inf', 'LIMIT', 0, count);
  }

  async createdAt(jobId: string): Promise<number | null> {
    const score = await this.redis.zscore(this.keys.jobs, jobId);
    return score === null ? null : Number(score);
  }

  async meta(
    jobId: string,
  ): Promise<
    { ref: string; mode: 'process' | 'run'; input: unknown; maxFailures: number | undefined } | undefined
  > {
    const [fixed, ref, mode] = await this.redis.hmget(this.keys.job(jobId), 'static', 'ref', 'mode');
    if (!fixed || !ref) return undefined;
    const { input, maxFailures } = JSON.parse(fixed) as StaticJob;
    return { ref, mode: mode === 'run' ? 'run' : 'process', input, maxFailures };
  }

  /** The job's failed items so far, its total once enumerated, and the first failure's error. */
  async failureCounts(jobId: string): Promise<FailureCounts> {
    const [[failed, enumerated, enumDone], first] = await Promise.all([
      this.redis.hmget(this.keys.job(jobId), 'failed', 'enumerated', 'enumDone'),
      this.redis.lindex(this.keys.failures(jobId), 0),
    ]);
    return {
      total: enumDone === '1' ? Number(enumerated ?? 0) : null,
      failed: Number(failed ?? 0),
      firstItemError: first ? ((JSON.parse(first) as ItemEvent).error ?? null) : null,
    };
  }

  async finishInfo(jobId: string): Promise<FinishInfo | undefined> {
    const [hash, first] = await Promise.all([
      this.redis.hgetall(this.keys.job(jobId)),
      this.redis.lindex(this.keys.failures(jobId), 0),
    ]);
    if (!hash.static) return undefined;
    const fixed = JSON.parse(hash.static) as StaticJob;
    return {
      state: hash.state ?? 'queued',
      ref: hash.ref ?? '',
      mode: hash.mode === 'run' ? 'run' : 'process',
      input: fixed.input,
      enumerated: Number(hash.enumerated ?? 0),
      succeeded: Number(hash.succeeded ?? 0),
      failed: Number(hash.failed ?? 0),
      cancelled: Number(hash.cancelled ?? 0),
      cancelRequested: hash.cancelRequested === '1',
      failure: hash.failure ? (JSON.parse(hash.failure) as ErrorInfo) : null,
      firstItemError: first ? ((JSON.parse(first) as ItemEvent).error ?? null) : null,
      maxFailures: fixed.maxFailures,
      scheduleId: hash.scheduleId ?? null,
    };
  }

  /** Results of succeeded items as stored (JSON), in item order; read in pages, none a long call. */
  async resultsJson(jobId: string): Promise<string[]> {
    const found: [number, string][] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.results(jobId), cursor, 'COUNT', RESULTS_PAGE);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) found.push([Number(flat[i]), flat[i + 1]!]);
    } while (cursor !== '0');
    // HSCAN may return a field twice (the hash rehashing meanwhile); its value is the same.
    const byIndex = new Map(found);
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, json]) => json);
  }

  async failures(jobId: string): Promise<ItemEvent[]> {
    const list = await this.redis.lrange(this.keys.failures(jobId), 0, -1);
    return list.map((json) => JSON.parse(json) as ItemEvent);
  }

  async logs(jobId: string): Promise<LogEvent[]> {
    const list = await this.redis.lrange(this.keys.logs(jobId), 0, -1);
    return list.map((json) => JSON.parse(json) as LogEvent);
  }

  /** Writes (or refreshes) a worker's advertisement, to expire unless refreshed within `ttlMs`. */
  async advertise(info: WorkerInfo, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.worker(info.id), JSON.stringify(info), 'PX', Math.max(1, Math.round(ttlMs)))
      .sadd(this.keys.workers, info.id)
      .exec();
  }

  /** Removes a worker's advertisement at once (it is closing). */
  async withdraw(workerId: string): Promise<void> {
    await this.redis.multi().del(this.keys.worker(workerId)).srem(this.keys.workers, workerId).exec();
  }

  /** The advertised workers, by host then id; ids whose record expired (a killed worker) are dropped. */
  async workers(): Promise<WorkerInfo[]> {
    const ids = await this.redis.smembers(this.keys.workers);
    if (ids.length === 0) return [];
    const records = await this.redis.mget(ids.map((id) => this.keys.worker(id)));
    const found: WorkerInfo[] = [];
    const gone: string[] = [];
    records.forEach((json, i) => {
      if (json === null) {
        gone.push(ids[i]!);
        return;
      }
      try {
        found.push(JSON.parse(json) as WorkerInfo);
      } catch {
        // Not ours to understand (another version's record): leave it to its own worker.
      }
    });
    // A record that expired between the two reads is re-added by its worker's next heartbeat, should it live.
    if (gone.length > 0) await this.redis.srem(this.keys.workers, ...gone);
    return found.sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
  }

  async lastSeq(): Promise<number> {
    return Number((await this.redis.get(this.keys.seq)) ?? 0);
  }
}

export const parseEvent = (json: string): JobEvent => JSON.parse(json) as JobEvent;
