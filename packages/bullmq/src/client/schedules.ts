// A deployment's schedules as clients see them, read from what the store keeps
// of one: a hash per live schedule (its period and its runs' templates, gone
// once the schedule ends) and its runs, each a job with its scheduleId. The
// store records no paused flag, and a user's cancel of a run deletes the hash,
// so a schedule can be listed and removed here, not paused.
import {
  isFinal,
  type JobState,
  NotFoundError,
  type ScheduleInfo,
  type ScheduleOutcome,
} from '@threadline/core';
import type { StaticJob } from '@threadline/core/internal';
import type { RunQueue } from '../runs.js';
import type { RedisStore } from '../store/store.js';

/** Jobs read per round trip while looking for each schedule's latest run and last finished one. */
const PAGE = 200;

interface LatestRun {
  id: string;
  state: string;
  createdAt: number;
  runAt: number | null;
  startedAt: number | null;
}

/** '3600000' → '1h': the period in the largest unit it is a whole number of (the store keeps ms only). */
export function formatEvery(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** When an id was made: core's ids carry their creation time in base 36 before 8 random characters. */
const idTime = (id: string): number => Number.parseInt(id.slice(2, -8), 36) || 0;

export class RedisSchedules {
  constructor(
    private readonly store: RedisStore,
    private readonly runs: RunQueue,
  ) {}

  /** Every live schedule, oldest first, each with its latest run and when the next is due. */
  async list(): Promise<ScheduleInfo[]> {
    const ids = await this.ids();
    if (ids.length === 0) return [];
    const pipeline = this.store.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.store.keys.schedule(id), 'everyMs', 'static');
    const replies = (await pipeline.exec()) ?? [];
    const latest = await this.latestRuns(new Set(ids), { finished: true });
    const found: ScheduleInfo[] = [];
    replies.forEach(([error, fields], i) => {
      const [everyMs, fixed] = (error ? [] : fields) as (string | null)[];
      // Ended between the two reads.
      if (!everyMs || !fixed) return;
      const id = ids[i]!;
      const template = JSON.parse(fixed) as Omit<StaticJob, 'id' | 'createdAt' | 'runAt'>;
      const { run, finished } = latest.get(id) ?? {};
      found.push({
        id,
        name: template.name,
        title: template.title,
        input: template.input,
        every: formatEvery(Number(everyMs)),
        paused: false,
        nextRunAt: run ? nextRunAt(run, Number(everyMs)) : null,
        lastJobId: run?.id ?? null,
        lastFinished: finished ?? null,
        createdAt: idTime(id),
        ...(template.maxFailures !== undefined ? { maxFailures: template.maxFailures } : {}),
      });
    });
    return found.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /**
   * Ends the schedule: its hash goes first, so no finishing run can record a next one after
   * this, then the run waiting its time is cancelled (a running one goes on). A run that a
   * worker begins in the moment between the two is cancelled rather than left to run.
   */
  async remove(scheduleId: string): Promise<void> {
    const [[, deleted]] = (await this.store.redis
      .multi()
      .del(this.store.keys.schedule(scheduleId))
      .srem(this.store.keys.schedules, scheduleId)
      .exec()) as [[Error | null, number]];
    if (deleted === 0) throw new NotFoundError(`no schedule with id ${scheduleId}`);
    const run = (await this.latestRuns(new Set([scheduleId]), { finished: false })).get(scheduleId)?.run;
    if (run?.state !== 'queued') return;
    const result = await this.store.cancel(run.id, { reason: 'schedule removed' });
    if (result.state === 'cancelled') await this.runs.remove(run.id);
  }

  /** Throws NotFoundError unless the schedule is live. */
  async check(scheduleId: string): Promise<void> {
    if (!(await this.store.redis.exists(this.store.keys.schedule(scheduleId))))
      throw new NotFoundError(`no schedule with id ${scheduleId}`);
  }

  private ids(): Promise<string[]> {
    return this.store.redis.smembers(this.store.keys.schedules);
  }

  /**
   * The newest run of each schedule, and with `finished` its newest run that ran and ended,
   * read newest job first until each is found. A live schedule's newest run was recorded as its
   * previous one finished, so this usually stops within the last two periods' jobs; a schedule
   * none of whose runs has ended yet stops the read at the jobs older than itself (the set is by
   * creation time), and it reads at most what retention keeps.
   */
  private async latestRuns(
    wanted: Set<string>,
    options: { finished: boolean },
  ): Promise<Map<string, { run: LatestRun; finished?: ScheduleOutcome }>> {
    const found = new Map<string, { run: LatestRun; finished?: ScheduleOutcome }>();
    // Runs of a schedule follow one another (the next is recorded as one ends), so its newest
    // created run that ended is the one that ended last.
    const looking = new Set(options.finished ? wanted : []);
    const done = () => found.size === wanted.size && looking.size === 0;
    // By rank from the newest: jobs added meanwhile push older ones down (read twice, not
    // skipped), and retention takes only from the other end.
    for (let start = 0; !done(); start += PAGE) {
      const page = await this.store.redis.zrevrange(
        this.store.keys.jobs,
        start,
        start + PAGE - 1,
        'WITHSCORES',
      );
      const ids = page.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) break;
      const pipeline = this.store.redis.pipeline();
      for (const id of ids)
        pipeline.hmget(
          this.store.keys.job(id),
          'scheduleId',
          'state',
          'startedAt',
          'static',
          'finishedAt',
          'succeeded',
          'failed',
          'cancelled',
        );
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, fields], i) => {
        const [scheduleId, state, startedAt, fixed, finishedAt, succeeded, failed, cancelled] = (
          error ? [] : fields
        ) as (string | null)[];
        if (!scheduleId || !state || !fixed || !wanted.has(scheduleId)) return;
        const id = ids[i]!;
        if (!found.has(scheduleId)) {
          const { createdAt, runAt } = JSON.parse(fixed) as StaticJob;
          found.set(scheduleId, {
            run: { id, state, createdAt, runAt, startedAt: startedAt ? Number(startedAt) : null },
          });
        }
        // A run dropped while it waited never ran: not an outcome.
        if (looking.has(scheduleId) && isFinal(state as JobState) && startedAt && finishedAt) {
          looking.delete(scheduleId);
          found.get(scheduleId)!.finished = {
            jobId: id,
            state: state as JobState,
            finishedAt: Number(finishedAt),
            items: {
              succeeded: Number(succeeded ?? 0),
              failed: Number(failed ?? 0),
              cancelled: Number(cancelled ?? 0),
            },
          };
        }
      });
      const oldest = Number(page[page.length - 1]);
      for (const scheduleId of looking) if (idTime(scheduleId) > oldest) looking.delete(scheduleId);
      if (ids.length < PAGE) break;
    }
    return found;
  }
}

/** As in-process: a queued run's due time, a period after a running one started. */
function nextRunAt(run: LatestRun, everyMs: number): number | null {
  if (run.state === 'queued') return run.runAt ?? run.createdAt;
  if (run.startedAt !== null && (run.state === 'running' || run.state === 'cancelling'))
    return run.startedAt + everyMs;
  return null;
}
