-- record: a chunk's outcomes, all at once. A chunk recorded already (a stalled chunk
-- redelivered while its first worker still ran, or one whose worker died between recording it
-- and telling BullMQ) is skipped: its first recording stands. As in-process, its succeeded items
-- are one `items` count event, and each failed or cancelled item its own `item` event.
-- KEYS[5] BullMQ's active list of the items queue (see complete)
-- KEYS[6] recorded: bitmap, bit i set once the chunk whose first item is i is recorded
-- KEYS[7] results: hash, item index -> result JSON
-- KEYS[8] inflight: hash, worker id -> its in-flight progress
-- KEYS[9] failures: list of the first 500 failed item events
-- ARGV[4] the chunk's first item index
-- ARGV[5] worker id
-- ARGV[6] items succeeded
-- ARGV[7] n: results that follow, two each: item index, result JSON
-- ARGV[8 + 2n..] failed or cancelled items, two each: outcome, item event JSON
-- Returns {items newly recorded, complete (0|1)}.
local h = redis.call('HMGET', JK, unpack(COUNTED))
if not h[1] or isFinal(h[1]) then return {0, 0} end
-- SETBIT is the first write: at maxmemory Redis refuses it, and so the script, before it changed
-- anything (once a script has written, Redis lets its later writes through).
local again = redis.call('SETBIT', KEYS[6], ARGV[4], 1) == 1
redis.call('HDEL', KEYS[8], ARGV[5])
if again then return {0, complete(KEYS[5], KEYS[6], h)} end
local succeeded = tonumber(ARGV[6])
local rest = 8 + 2 * tonumber(ARGV[7])
if rest > 8 then redis.call('HSET', KEYS[7], unpack(ARGV, 8, rest - 1)) end
local counts = {succeeded = succeeded, failed = 0, cancelled = 0}
local room
for i = rest, #ARGV, 2 do
  local outcome = ARGV[i]
  counts[outcome] = counts[outcome] + 1
  local full = emit(ARGV[i + 1])
  if outcome == 'failed' then
    room = room or 500 - redis.call('LLEN', KEYS[9])
    if room > 0 then
      redis.call('RPUSH', KEYS[9], full)
      room = room - 1
    end
  end
end
-- The counters as HINCRBY leaves them, for complete() without reading them again.
for field, at in pairs({succeeded = 4, failed = 5, cancelled = 6}) do
  local n = counts[field]
  if n > 0 then h[at] = redis.call('HINCRBY', JK, field, n) end
end
if succeeded > 0 then
  emit('{"type":"items","jobId":' .. cjson.encode(ID) .. ',"succeeded":' .. succeeded .. '}')
end
return {succeeded + counts.failed + counts.cancelled, complete(KEYS[5], KEYS[6], h)}
