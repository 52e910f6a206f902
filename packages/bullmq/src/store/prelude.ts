// The Lua every script starts with: the job the script is about (from ARGV[1],
// the key prefix, and ARGV[2], the job id) and the steps scripts share. Numbering
// events, recording a run and retiring a finished job each have one definition here.
export const PRELUDE = `
local P = ARGV[1]
local ID = ARGV[2]
local JK = P .. ':job:' .. ID
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function isFinal(s)
  return s == 'succeeded' or s == 'partial' or s == 'failed' or s == 'cancelled' or s == 'interrupted'
end
-- Numbers an event and appends it to the global and the job's stream (this job's unless
-- jk names another), with id <seq>-0. Returns the event and its seq.
local function emit(json, jk)
  local seq = redis.call('INCR', P .. ':seq')
  local full = '{"seq":' .. seq .. ',"at":' .. now() .. ',' .. string.sub(json, 2)
  redis.call('XADD', P .. ':events', 'MAXLEN', '~', 100000, seq .. '-0', 'e', full)
  redis.call('XADD', (jk or JK) .. ':events', seq .. '-0', 'e', full)
  return full, seq
end
-- Writes a queued run's record and its queued event. The run waits in the handoff set until
-- its control job is queued, so a recorder that dies before queuing it strands nothing.
local function createRun(id, static, ref, mode, createdAt, scheduleId, queued)
  local jk = P .. ':job:' .. id
  local _, seq = emit(queued, jk)
  redis.call('HSET', jk, 'static', static, 'ref', ref, 'mode', mode, 'state', 'queued',
    'enumerated', 0, 'enumDone', 0, 'succeeded', 0, 'failed', 0, 'cancelled', 0, 'firstSeq', seq)
  if scheduleId ~= '' then redis.call('HSET', jk, 'scheduleId', scheduleId) end
  redis.call('ZADD', P .. ':jobs', createdAt, id)
  redis.call('ZADD', P .. ':handoff', now(), id)
end
-- This job just reached its final state. Retention keeps the newest maxJobs finished jobs by
-- creation (as in-process), so the oldest go with every key of theirs, and the global stream
-- loses what came before the oldest kept job. The job finishing now is never the one to go, even
-- when it is the oldest (a long job in a busy deployment): it goes with the next finish.
-- Bounded per call, so a lowered maxJobs catches up over a few finishes.
local function retire(maxJobs)
  local fk = P .. ':finished'
  redis.call('ZREM', P .. ':handoff', ID)
  redis.call('ZADD', fk, redis.call('HGET', JK, 'firstSeq') or 0, ID)
  local over = redis.call('ZCARD', fk) - math.max(1, maxJobs)
  if over <= 0 then return end
  local old = redis.call('ZPOPMIN', fk, math.min(over, 100))
  for i = 1, #old, 2 do
    local id = old[i]
    if id == ID then
      redis.call('ZADD', fk, old[i + 1], id)
    else
      local jk = P .. ':job:' .. id
      redis.call('UNLINK', jk, jk .. ':events', jk .. ':outcomes', jk .. ':results', jk .. ':active',
        jk .. ':inflight', jk .. ':failures', jk .. ':logs')
      redis.call('ZREM', P .. ':jobs', id)
    end
  end
  local oldest = redis.call('ZRANGE', fk, 0, 0, 'WITHSCORES')
  if oldest[2] and tonumber(oldest[2]) > 0 then
    redis.call('XTRIM', P .. ':events', 'MINID', oldest[2] .. '-0')
  end
end
-- 1 when nothing more can happen to the job's items: every enumerated item has an
-- outcome, or the job is stopping and no claimed chunk is still out.
local function complete()
  local h = redis.call('HMGET', JK, 'state', 'enumDone', 'enumerated', 'succeeded', 'failed', 'cancelled', 'failure')
  if not h[1] or isFinal(h[1]) or h[2] ~= '1' then return 0 end
  if tonumber(h[4]) + tonumber(h[5]) + tonumber(h[6]) >= tonumber(h[3]) then return 1 end
  if (h[1] == 'cancelling' or h[7]) and redis.call('SCARD', JK .. ':active') == 0 then return 1 end
  return 0
end
`;
