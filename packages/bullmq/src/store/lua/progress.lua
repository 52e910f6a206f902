-- progress: folds every live worker's share into one progress event, with the rate and ETA of
-- core's RateMeter and etaOf, written again in Lua: the rate is of every worker's items
-- together, so only Redis can keep it.
-- KEYS[5] inflight: hash, worker id -> '<items completed> <partial> <ms>' of its running chunks
-- ARGV[4] worker id
-- ARGV[5] items completed in its running chunks
-- ARGV[6] partial fraction of its running items
-- ARGV[7] message
-- ARGV[8] has message (0|1)
-- ARGV[9] core's RATE_SMOOTHING.minIntervalMs
-- ARGV[10] core's RATE_SMOOTHING.tauMs
-- Returns {state, cancel forced (0|1)}.
local h = redis.call('HMGET', JK, 'state', 'enumDone', 'enumerated', 'succeeded', 'failed', 'cancelled',
  'rateAt', 'rateDone', 'rate', 'message', 'rateFrom')
if h[1] ~= 'running' and h[1] ~= 'cancelling' then return {h[1] or 'missing', 0} end
local t = now()
local ik = KEYS[5]
if tonumber(ARGV[5]) == 0 and tonumber(ARGV[6]) == 0 then redis.call('HDEL', ik, ARGV[4])
else redis.call('HSET', ik, ARGV[4], ARGV[5] .. ' ' .. ARGV[6] .. ' ' .. t) end
local message = h[10]
if ARGV[8] == '1' then
  message = ARGV[7]
  redis.call('HSET', JK, 'message', message)
end
-- Items that ran (succeeded or failed): a cancelled item is not done, or a cancel would read as 100%.
local done = tonumber(h[4]) + tonumber(h[5])
local partial = 0
local all = redis.call('HGETALL', ik)
for i = 1, #all, 2 do
  local c, p, at = string.match(all[i + 1], '(%S+) (%S+) (%S+)')
  -- A share not refreshed for 15 s belongs to a worker that died; its chunk will run again.
  if t - tonumber(at) < 15000 then
    done = done + tonumber(c)
    partial = partial + tonumber(p)
  end
end
local total = cjson.null
local fraction = cjson.null
if h[2] == '1' then
  total = tonumber(h[3])
  fraction = 1
  if total > 0 then fraction = math.min(1, (done + partial) / total) end
end
local rate = cjson.null
if h[9] then rate = tonumber(h[9]) end
if not h[7] then
  if done > 0 then redis.call('HSET', JK, 'rateAt', t, 'rateDone', done, 'rateFrom', t) end
else
  local dt = t - tonumber(h[7])
  if dt >= tonumber(ARGV[9]) then
    local instant = math.max(0, done - tonumber(h[8])) * 1000 / dt
    local weight = math.max(1 - math.exp(-dt / tonumber(ARGV[10])), dt / (t - tonumber(h[11] or h[7])))
    if rate == cjson.null then rate = instant else rate = rate + weight * (instant - rate) end
    redis.call('HSET', JK, 'rateAt', t, 'rateDone', done, 'rate', rate)
  end
end
local eta = cjson.null
if rate ~= cjson.null and total ~= cjson.null and rate > 0 then eta = math.max(0, (total - done) / rate)
elseif total ~= cjson.null and total == done then eta = 0 end
local msg = cjson.null
if message and message ~= '' then msg = message end
local json = cjson.encode({done = done, total = total, fraction = fraction, rate = rate, eta = eta, message = msg})
redis.call('HSET', JK, 'progress', json)
emit('{"type":"progress","jobId":' .. cjson.encode(ID) .. ',"progress":' .. json .. '}')
-- The state rides back, so a worker that missed a cancel on the channel (while reconnecting) still hears it.
return {h[1], tonumber(redis.call('HGET', JK, 'cancelForce') or '0')}
