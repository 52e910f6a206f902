// How much history a deployment keeps in Redis: removes the oldest finished
// jobs past a count, and those past an age, with every key of theirs.
import type { RedisClient } from '../connection.js';
import type { Keys } from './keys.js';

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

export class Retention {
  private readonly maxJobs: number;
  private readonly maxAgeMs: number | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    retention: RetentionOptions,
  ) {
    this.maxJobs = Math.max(1, Math.floor(retention.maxJobs ?? 10_000));
    this.maxAgeMs = retention.maxAgeMs;
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
}
