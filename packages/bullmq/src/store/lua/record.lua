-- record: a chunk's outcomes. An item that already has an outcome is skipped: its first
-- completion stands. As in-process, succeeded items are one `items` count event per call, and
-- each failed or cancelled item its own `item` event.
-- KEYS[5] active: chunks claimed and not yet recorded
-- KEYS[6] outcomes: bitmap, bit i set once item i has an outcome
-- KEYS[7] results: hash, item index -> result JSON
-- KEYS[8] inflight: hash, worker id -> its in-flight progress
-- KEYS[9] failures: list of the first 500 failed item events
-- ARGV[4] chunk id, or ''
-- ARGV[5] worker id
-- ARGV[6..] per item, four each: index, outcome, result JSON or '', item event JSON ('' for a success)
-- Returns {items newly recorded, complete (0|1)}.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then
  redis.call('SREM', KEYS[5], ARGV[4])
  return {0, 0}
end
-- One BITFIELD sets every item's bit and returns the old ones (HSETNX for the chunk in one call).
local args = {}
for i = 6, #ARGV, 4 do
  args[#args + 1] = 'SET'
  args[#args + 1] = 'u1'
  args[#args + 1] = ARGV[i]
  args[#args + 1] = 1
end
local had = {}
if #args > 0 then had = redis.call('BITFIELD', KEYS[6], unpack(args)) end
local added, succeeded = 0, 0
local results = {}
for k = 1, #had do
  local i = 2 + k * 4
  local idx, outcome = ARGV[i], ARGV[i + 1]
  if had[k] == 0 then
    added = added + 1
    if outcome == 'succeeded' then
      succeeded = succeeded + 1
      if ARGV[i + 2] ~= '' then
        results[#results + 1] = idx
        results[#results + 1] = ARGV[i + 2]
      end
    else
      redis.call('HINCRBY', JK, outcome, 1)
      local full = emit(ARGV[i + 3])
      if outcome == 'failed' and redis.call('LLEN', KEYS[9]) < 500 then
        redis.call('RPUSH', KEYS[9], full)
      end
    end
  end
end
if #results > 0 then redis.call('HSET', KEYS[7], unpack(results)) end
if succeeded > 0 then
  redis.call('HINCRBY', JK, 'succeeded', succeeded)
  emit('{"type":"items","jobId":' .. cjson.encode(ID) .. ',"succeeded":' .. succeeded .. '}')
end
if ARGV[4] ~= '' then redis.call('SREM', KEYS[5], ARGV[4]) end
redis.call('HDEL', KEYS[8], ARGV[5])
return {added, complete(KEYS[5])}
