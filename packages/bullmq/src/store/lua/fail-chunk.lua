#!lua flags=allow-oom
-- failChunk: a chunk that failed for good (its last attempt threw, or Redis is out of memory).
-- A chunk recorded already keeps its outcomes; otherwise its items fail with the reason, and
-- it counts as recorded, so the job can complete. Runs at maxmemory: it ends work, one chunk's
-- items at most.
-- KEYS[5] BullMQ's active list of the items queue (see complete)
-- KEYS[6] recorded: bitmap, bit i set once the chunk whose first item is i is recorded
-- KEYS[7] inflight: hash, worker id -> its in-flight progress
-- KEYS[8] failures: list of the first 500 failed item events
-- ARGV[4] the chunk's first item index
-- ARGV[5] worker id
-- ARGV[6] a failure JSON to stop the job with (as maxFailures does, unless it is stopping), or ''
-- ARGV[7] the reason its cancelling event gives
-- ARGV[8] the cancel channel, told when the job stops
-- ARGV[9..] the chunk's failed item events, JSON
-- Returns {items newly failed, complete (0|1)}.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return {0, 0} end
local added = 0
if redis.call('SETBIT', KEYS[6], ARGV[4], 1) == 0 then
  added = #ARGV - 8
  if added > 0 then redis.call('HINCRBY', JK, 'failed', added) end
  local room = 500 - redis.call('LLEN', KEYS[8])
  for i = 9, #ARGV do
    local full = emit(ARGV[i])
    if i - 9 < room then redis.call('RPUSH', KEYS[8], full) end
  end
end
redis.call('HDEL', KEYS[7], ARGV[5])
if ARGV[6] ~= '' and (s == 'running' or s == 'queued') and redis.call('HEXISTS', JK, 'failure') == 0 then
  redis.call('HSET', JK, 'failure', ARGV[6], 'state', 'cancelling', 'cancelRequested', 1, 'cancelForce', 0)
  emit(cjson.encode({type = 'cancelling', jobId = ID, reason = ARGV[7], force = false}))
  redis.call('PUBLISH', ARGV[8], cjson.encode({jobId = ID, force = false}))
end
return {added, complete(KEYS[5], KEYS[6])}
