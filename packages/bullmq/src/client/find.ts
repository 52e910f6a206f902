// Finding and deleting jobs over BullMQ, simply: retention keeps a deployment's
// history to a few thousand job hashes, so a search reads them all (in pages of
// a pipeline each) and filters here, as `list` does.
import {
  type ClearOptions,
  FINAL_STATES,
  JOB_STATES,
  type JobPage,
  type JobQuery,
  type JobSnapshot,
  type JobState,
  NotFoundError,
  ValidationError,
} from '@threadline/core';
import type { RedisStore } from '../store/store.js';
import { publishDeleted, redisNow } from './deleted.js';

const READ_PAGE = 500;

/** Newest first, as the jobs sorted set orders them: by creation, then id, both descending. */
const after = (job: { createdAt: number; id: string }, cursor: { at: number; id: string }) =>
  job.createdAt < cursor.at || (job.createdAt === cursor.at && job.id < cursor.id);

function parseCursor(cursor: string): { at: number; id: string } {
  const match = /^(\d+):(.+)$/.exec(cursor);
  if (!match) {
    throw new ValidationError(`cursor: "${cursor}" is not a page's next`, [
      { path: 'cursor', message: 'not a page cursor' },
    ]);
  }
  return { at: Number(match[1]), id: match[2]! };
}

async function* allJobs(store: RedisStore): AsyncGenerator<JobSnapshot> {
  const ids = await store.redis.zrevrange(store.keys.jobs, 0, -1);
  for (let i = 0; i < ids.length; i += READ_PAGE) yield* await store.getMany(ids.slice(i, i + READ_PAGE));
}

export async function findJobs(store: RedisStore, query: JobQuery = {}): Promise<JobPage> {
  const limit = query.limit ?? 50;
  const states = query.state === undefined ? null : [query.state].flat();
  const text = query.text?.trim().toLowerCase();
  const cursor = query.cursor === undefined ? undefined : parseCursor(query.cursor);
  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  const page: JobSnapshot[] = [];
  let more = false;
  for await (const job of allJobs(store)) {
    if (query.name && job.name !== query.name) continue;
    if (query.createdFrom !== undefined && job.createdAt < query.createdFrom) continue;
    if (query.createdTo !== undefined && job.createdAt >= query.createdTo) continue;
    if (text && !`${job.id} ${job.title} ${JSON.stringify(job.input ?? null)}`.toLowerCase().includes(text))
      continue;
    counts[job.state]++;
    if (states && !states.includes(job.state)) continue;
    if (cursor && !after(job, cursor)) continue;
    if (page.length < limit) page.push(job);
    else more = true;
  }
  const last = page.at(-1);
  return { jobs: page, counts, next: more && last ? `${last.createdAt}:${last.id}` : null };
}

export async function deleteJob(store: RedisStore, jobId: string): Promise<void> {
  const state = (await store.redis.hget(store.keys.job(jobId), 'state')) as JobState | null;
  if (state === null) throw new NotFoundError(`no job with id ${jobId}`);
  if (!FINAL_STATES.includes(state)) {
    throw new ValidationError(`job ${jobId} is ${state}: cancel it first, then delete it`, [
      { path: 'id', message: `the job is ${state}` },
    ]);
  }
  await store.remove(jobId);
  await publishDeleted(store, [jobId], null);
}

export async function clearFinished(
  store: RedisStore,
  options: ClearOptions = {},
): Promise<{ deleted: number }> {
  // Up to a time fixed first, on the clock finishedAt is written by: a job that finishes while
  // the clear goes through the rest stays, so "finished before" tells a view exactly what went.
  const before = options.finishedBefore ?? (await redisNow(store)) + 1;
  const deleted: string[] = [];
  try {
    for await (const job of allJobs(store)) {
      if (!FINAL_STATES.includes(job.state) || (job.finishedAt ?? 0) >= before) continue;
      await store.remove(job.id);
      deleted.push(job.id);
    }
  } finally {
    // What went before a failure is told too.
    await publishDeleted(store, deleted, before);
  }
  return { deleted: deleted.length };
}
