-- prelude: the head of every job script, inserted as each script loads (after its shebang
-- line). The job the script is about, and the steps scripts share: numbering events,
-- recording a run and marking a job finished each have one definition here.
--
-- Every key a script touches is one of its KEYS, all under the deployment's hash tag, so the
-- script runs on Redis Cluster (one slot). A script's own KEYS start at 5, its ARGV at 4.
-- KEYS[1] job hash
-- KEYS[2] the job's event stream
-- KEYS[3] the global event stream
-- KEYS[4] the event sequence counter
-- ARGV[1] job id
-- ARGV[2] entries a job's stream keeps (about: MAXLEN ~)
-- ARGV[3] entries the global stream keeps (about: MAXLEN ~)
local JK, JEV, EV, SEQ = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ID = ARGV[1]
local JOB_CAP, ALL_CAP = ARGV[2], ARGV[3]
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function isFinal(s)
  return s == 'succeeded' or s == 'partial' or s == 'failed' or s == 'cancelled' or s == 'interrupted'
end
-- Numbers an event and appends it to the global and the job's stream (this job's unless jev
-- names another), with id <seq>-0. Both are capped: `~` trims whole stream nodes, so a trim
-- costs O(1) amortized, never a long pause. Returns the event and its seq.
local function emit(json, jev)
  local seq = redis.call('INCR', SEQ)
  local full = '{"seq":' .. seq .. ',"at":' .. now() .. ',' .. string.sub(json, 2)
  redis.call('XADD', EV, 'MAXLEN', '~', ALL_CAP, seq .. '-0', 'e', full)
  redis.call('XADD', jev or JEV, 'MAXLEN', '~', JOB_CAP, seq .. '-0', 'e', full)
  return full, seq
end
-- Writes a queued run's record and its queued event. The run waits in the handoff set until
-- its control job is queued, so a recorder that dies before queuing it strands nothing.
local function createRun(jk, jev, jobs, handoff, id, static, ref, mode, createdAt, scheduleId, queued)
  local _, seq = emit(queued, jev)
  redis.call('HSET', jk, 'static', static, 'ref', ref, 'mode', mode, 'state', 'queued',
    'enumerated', 0, 'enumDone', 0, 'succeeded', 0, 'failed', 0, 'cancelled', 0, 'firstSeq', seq)
  if scheduleId ~= '' then redis.call('HSET', jk, 'scheduleId', scheduleId) end
  redis.call('ZADD', jobs, createdAt, id)
  redis.call('ZADD', handoff, now(), id)
end
-- This job just reached its final state: retention (store.prune, after the script) finds it
-- in the finished sets, by its first event's seq (count) and by when it finished (age).
local function markFinished(finished, finishedAt, handoff)
  redis.call('ZREM', handoff, ID)
  redis.call('ZADD', finished, redis.call('HGET', JK, 'firstSeq') or 0, ID)
  redis.call('ZADD', finishedAt, now(), ID)
end
-- 1 when nothing more can happen to the job's items: every enumerated item has an outcome,
-- or the job is stopping and none of its chunks BullMQ holds active (a worker runs it, or
-- died under it and it has not stalled back yet) is still to be recorded. A chunk's id is
-- `<job>-<first index>`, and its bit in `recorded` is set as its outcomes are: BullMQ's active
-- list is the set of claims, so taking a chunk costs no step of ours.
-- `h`: the job's fields as COUNTED reads them, when the caller has them already.
local COUNTED = {'state', 'enumDone', 'enumerated', 'succeeded', 'failed', 'cancelled', 'failure'}
local function complete(bullActive, recorded, h)
  h = h or redis.call('HMGET', JK, unpack(COUNTED))
  if not h[1] or isFinal(h[1]) or h[2] ~= '1' then return 0 end
  if tonumber(h[4]) + tonumber(h[5]) + tonumber(h[6]) >= tonumber(h[3]) then return 1 end
  if h[1] ~= 'cancelling' and not h[7] then return 0 end
  local prefix = ID .. '-'
  for _, chunk in ipairs(redis.call('LRANGE', bullActive, 0, -1)) do
    if string.sub(chunk, 1, #prefix) == prefix and
      redis.call('GETBIT', recorded, string.sub(chunk, #prefix + 1)) == 0 then return 0 end
  end
  return 1
end
