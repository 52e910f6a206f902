#!lua flags=allow-oom
-- finish: gives the job its final state. Items that never got an outcome count as cancelled.
-- Only the first call for a job does anything, so racing finishers are harmless, and a finisher
-- retried after a crash records no second next run: a run of a live schedule that ends other
-- than cancelled records the next run here, in the same step, queued for
-- max(now, startedAt + period) as in-process. What only a running job needs (its recorded
-- chunks, results, in-flight shares) goes now, by UNLINK (freed off Redis's main thread).
-- Runs at maxmemory: it ends work.
-- KEYS[5] inflight
-- KEYS[6] recorded
-- KEYS[7] results
-- KEYS[8] finished: finished job ids by first seq
-- KEYS[9] finished-at: finished job ids by finish time
-- KEYS[10] handoff: runs whose control job may not be queued yet
-- KEYS[11] the hash of the job's schedule (ARGV[8]'s), or any key of the deployment for a job without one
-- KEYS[12] jobs: sorted set of job ids by creation
-- KEYS[13] the next run's hash (ARGV[7]'s)
-- KEYS[14] the next run's event stream
-- ARGV[4] final state
-- ARGV[5] summary JSON
-- ARGV[6] error JSON
-- ARGV[7] an id for the next run
-- ARGV[8] the job's schedule id as the caller read it, or ''
-- Returns {0} | {1} | {1, next run's id, its runAt}.
local h = redis.call('HMGET', JK, 'state', 'enumerated', 'succeeded', 'failed', 'cancelled', 'rate', 'enumDone',
  'scheduleId')
if not h[1] or isFinal(h[1]) then return {0} end
local sid = h[8]
if (sid or '') ~= ARGV[8] then return redis.error_reply('ERR schedule of job ' .. ID .. ' is not the one given') end
-- Ended before any item ran (no items, an enumeration that failed, items no worker could load):
-- it started as it ends, so its stream reads started then finished as in-process.
if h[1] == 'queued' then
  redis.call('HSET', JK, 'startedAt', now())
  emit('{"type":"started","jobId":' .. cjson.encode(ID) .. '}')
end
local total = tonumber(h[2])
local succeeded, failed, cancelled = tonumber(h[3]), tonumber(h[4]), tonumber(h[5])
local rest = total - succeeded - failed - cancelled
if rest > 0 then cancelled = cancelled + rest end
local done = succeeded + failed
local fraction = 1
if total > 0 then fraction = math.min(1, done / total) end
local rate = cjson.null
if h[6] then rate = tonumber(h[6]) end
local progress = cjson.encode({done = done, total = total, fraction = fraction, rate = rate, eta = 0, message = cjson.null})
-- The last sample, so a stream's final progress agrees with the final counts (a run's is in its own units).
if redis.call('HGET', JK, 'mode') ~= 'run' then
  emit('{"type":"progress","jobId":' .. cjson.encode(ID) .. ',"progress":' .. progress .. '}')
else
  progress = redis.call('HGET', JK, 'progress') or progress
end
redis.call('HSET', JK, 'state', ARGV[4], 'finishedAt', now(), 'summary', ARGV[5], 'error', ARGV[6],
  'cancelled', cancelled, 'progress', progress, 'enumDone', 1)
redis.call('UNLINK', KEYS[5], KEYS[6], KEYS[7])
emit('{"type":"finished","jobId":' .. cjson.encode(ID) .. ',"state":' .. cjson.encode(ARGV[4]) ..
  ',"summary":' .. ARGV[5] .. ',"error":' .. ARGV[6] .. ',"items":{"total":' .. total ..
  ',"succeeded":' .. succeeded .. ',"failed":' .. failed .. ',"cancelled":' .. cancelled .. '}}')
local reply = {1}
if sid and ARGV[4] ~= 'cancelled' then
  local sc = redis.call('HMGET', KEYS[11], 'everyMs', 'static', 'snapshot', 'ref', 'mode')
  if sc[1] then
    local t = now()
    local runAt = math.max(t, tonumber(redis.call('HGET', JK, 'startedAt') or t) + tonumber(sc[1]))
    local nid = ARGV[7]
    local head = '{"id":' .. cjson.encode(nid) .. ',"createdAt":' .. t .. ',"runAt":' .. runAt .. ','
    createRun(KEYS[13], KEYS[14], KEYS[12], KEYS[10], nid, head .. string.sub(sc[2], 2), sc[4], sc[5], t, sid,
      '{"type":"queued","jobId":' .. cjson.encode(nid) .. ',"job":' .. head .. string.sub(sc[3], 2) .. '}')
    reply = {1, nid, runAt}
  end
end
markFinished(KEYS[8], KEYS[9], KEYS[10])
return reply
