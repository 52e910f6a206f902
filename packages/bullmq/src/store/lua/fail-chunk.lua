#!lua flags=allow-oom
-- failChunk: a chunk that failed for good (its last attempt threw, or Redis is out of memory).
-- Items that have an outcome keep it; the others fail with the reason; the chunk's claim is
-- released, so the job can complete. Runs at maxmemory: it ends work, one chunk's items at most.
-- KEYS[5] active: chunks claimed and not yet recorded
-- KEYS[6] outcomes: bitmap, bit i set once item i has an outcome
-- KEYS[7] inflight: hash, worker id -> its in-flight progress
-- KEYS[8] failures: list of the first 500 failed item events
-- ARGV[4] chunk id
-- ARGV[5] worker id
-- ARGV[6] a failure JSON to stop the job with (as maxFailures does, unless it is stopping), or ''
-- ARGV[7] the reason its cancelling event gives
-- ARGV[8] the cancel channel, told when the job stops
-- ARGV[9..] per item, two each: index, failed item event JSON
-- Returns {items newly failed, complete (0|1)}.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then
  redis.call('SREM', KEYS[5], ARGV[4])
  return {0, 0}
end
local added = 0
for i = 9, #ARGV, 2 do
  if redis.call('SETBIT', KEYS[6], ARGV[i], 1) == 0 then
    added = added + 1
    redis.call('HINCRBY', JK, 'failed', 1)
    local full = emit(ARGV[i + 1])
    if redis.call('LLEN', KEYS[8]) < 500 then redis.call('RPUSH', KEYS[8], full) end
  end
end
redis.call('SREM', KEYS[5], ARGV[4])
redis.call('HDEL', KEYS[7], ARGV[5])
if ARGV[6] ~= '' and s == 'running' and redis.call('HEXISTS', JK, 'failure') == 0 then
  redis.call('HSET', JK, 'failure', ARGV[6], 'state', 'cancelling', 'cancelRequested', 1, 'cancelForce', 0)
  emit(cjson.encode({type = 'cancelling', jobId = ID, reason = ARGV[7], force = false}))
  redis.call('PUBLISH', ARGV[8], cjson.encode({jobId = ID, force = false}))
end
return {added, complete(KEYS[5])}
