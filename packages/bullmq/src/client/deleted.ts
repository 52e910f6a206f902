// Telling a deployment's subscribers that jobs were deleted: one `deleted` event
// per delete or clear, by the script in deleted.lua (its header lists KEYS and
// ARGV), numbered and capped as the job scripts' events are.
import { readFileSync } from 'node:fs';
import { deletedEvent } from '@threadline/core';
import { asRedisError } from '../connection.js';
import type { RedisStore } from '../store/store.js';

const PUBLISH = {
  lua: readFileSync(new URL('./deleted.lua', import.meta.url), 'utf8'),
  numberOfKeys: 2,
};

type Publish = (seqKey: string, events: string, json: string, cap: number) => Promise<number>;

/** Publishes the one event of a call that deleted `ids` (none: nothing to tell); a clear gives its time. */
export async function publishDeleted(
  store: RedisStore,
  ids: readonly string[],
  finishedBefore: number | null,
): Promise<void> {
  if (ids.length === 0) return;
  const { redis, keys } = store;
  // defineCommand runs EVALSHA and falls back to EVAL, as the store's scripts do.
  if (!('tl_deleted' in redis)) redis.defineCommand('tl_deleted', PUBLISH);
  const publish = (redis as unknown as Record<'tl_deleted', Publish>).tl_deleted;
  try {
    // The cap the store gives its own scripts, so that the two never differ.
    const event = JSON.stringify(deletedEvent(ids, finishedBefore));
    await publish.call(redis, keys.seq, keys.events, event, store.maxEvents);
  } catch (error) {
    throw asRedisError(error);
  }
}

/** Redis's clock in ms: what finishedAt is written by, whichever machine asks. */
export async function redisNow(store: RedisStore): Promise<number> {
  const [seconds, micros] = await store.redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
