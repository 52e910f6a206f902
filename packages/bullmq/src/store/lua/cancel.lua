#!lua flags=allow-oom
-- cancel: a queued job no worker has begun is cancelled at once; any other turns cancelling and every worker
-- hears it on the cancel channel. A user's cancel (no failure) of any run of a periodic job
-- stops its schedule, as in-process. Runs at maxmemory: it ends work.
-- KEYS[5] BullMQ's active list of the items queue (see complete)
-- KEYS[6] recorded: bitmap, bit i set once the chunk whose first item is i is recorded
-- KEYS[7] the hash of the job's schedule (ARGV[7]'s), or any key of the deployment for a job without one
-- KEYS[8] schedules: set of live schedule ids
-- KEYS[9] finished: finished job ids by first seq
-- KEYS[10] finished-at: finished job ids by finish time
-- KEYS[11] handoff: runs whose control job may not be queued yet
-- ARGV[4] reason, or ''
-- ARGV[5] force (0|1)
-- ARGV[6] failure JSON (maxFailures stopping the job), or ''
-- ARGV[7] the job's schedule id as the caller read it, or ''
-- ARGV[8] the cancel channel
-- Returns {state, complete (0|1)}.
local s = redis.call('HGET', JK, 'state')
if not s then return {'missing', 0} end
if isFinal(s) then return {s, 0} end
local sid = redis.call('HGET', JK, 'scheduleId')
-- A schedule id is fixed at creation, so the caller's read of it is the script's.
if (sid or '') ~= ARGV[7] then return redis.error_reply('ERR schedule of job ' .. ID .. ' is not the one given') end
if sid and ARGV[6] == '' then
  redis.call('DEL', KEYS[7])
  redis.call('SREM', KEYS[8], sid)
end
local force = ARGV[5] == '1'
if s == 'cancelling' and (redis.call('HGET', JK, 'cancelForce') == '1' or not force) then return {s, 0} end
local reason = cjson.null
if ARGV[4] ~= '' then reason = ARGV[4] end
if ARGV[6] ~= '' and redis.call('HEXISTS', JK, 'failure') == 0 then redis.call('HSET', JK, 'failure', ARGV[6]) end
redis.call('HSET', JK, 'cancelForce', ARGV[5], 'cancelRequested', 1)
emit(cjson.encode({type = 'cancelling', jobId = ID, reason = reason, force = force}))
-- Not begun: no worker has it. Begun (a worker enumerates it), it is cancelled as a running job is.
if s == 'queued' and redis.call('HGET', JK, 'begun') ~= '1' then
  redis.call('HSET', JK, 'state', 'cancelled', 'finishedAt', now(), 'summary', 'null', 'error', 'null')
  emit('{"type":"finished","jobId":' .. cjson.encode(ID) .. ',"state":"cancelled","summary":null,"error":null,' ..
    '"items":{"total":null,"succeeded":0,"failed":0,"cancelled":0}}')
  markFinished(KEYS[9], KEYS[10], KEYS[11])
  return {'cancelled', 0}
end
redis.call('HSET', JK, 'state', 'cancelling')
redis.call('PUBLISH', ARGV[8], cjson.encode({jobId = ID, force = force}))
return {'cancelling', complete(KEYS[5], KEYS[6])}
