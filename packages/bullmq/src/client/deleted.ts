// Telling a deployment's subscribers that jobs were deleted: one `deleted`
// event per delete or clear, numbered and appended to the event stream in one
// script as the job scripts' events are, so a reader sees no gap in `seq`.
import { deletedEvent } from '@threadline/core';
import type { RedisStore } from '../store/store.js';

/**
 * KEYS: the deployment's seq counter, its event stream. ARGV: the event JSON without seq and at.
 * Only the whole stream: the deleted jobs' own streams went with them. Its length is capped by
 * the next job event's XADD. Returns the event's seq.
 */
const PUBLISH = `
local seq = redis.call('INCR', KEYS[1])
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('XADD', KEYS[2], seq .. '-0', 'e', '{"seq":' .. seq .. ',"at":' .. at .. ',' .. string.sub(ARGV[1], 2))
return seq
`;

/** Publishes the one event of a call that deleted `ids` (none: nothing to tell); a clear gives its time. */
export async function publishDeleted(
  store: RedisStore,
  ids: readonly string[],
  finishedBefore: number | null,
): Promise<void> {
  if (ids.length === 0) return;
  const json = JSON.stringify(deletedEvent(ids, finishedBefore));
  await store.redis.eval(PUBLISH, 2, store.keys.seq, store.keys.events, json);
}

/** Redis's clock in ms: what finishedAt is written by, whichever machine asks. */
export async function redisNow(store: RedisStore): Promise<number> {
  const [seconds, micros] = await store.redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
