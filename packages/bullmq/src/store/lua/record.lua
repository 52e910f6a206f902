-- record: chunks' outcomes, each chunk's all at once; a worker sends the chunks of one job that
-- ended close together in one call (worker/record-batch.ts). A chunk recorded already (a stalled
-- chunk redelivered while its first worker still ran, or one whose worker died between recording
-- it and telling BullMQ) is skipped: its first recording stands. As in-process, succeeded items
-- are one `items` count event per call, and each failed or cancelled item its own `item` event.
-- KEYS[5] BullMQ's active list of the items queue (see complete)
-- KEYS[6] recorded: bitmap, bit i set once the chunk whose first item is i is recorded
-- KEYS[7] results: hash, item index -> result JSON
-- KEYS[8] inflight: hash, worker id -> its in-flight progress
-- KEYS[9] failures: list of the first 500 failed item events
-- ARGV[4] worker id
-- ARGV[5..] per chunk: its first item index, items succeeded, r results, m failed or cancelled
--   items; then r pairs (item index, result JSON); then m pairs (outcome, item event JSON)
-- Returns {items newly recorded, complete (0|1)}.
local h = redis.call('HMGET', JK, unpack(COUNTED))
if not h[1] or isFinal(h[1]) then return {0, 0} end
local counts = {succeeded = 0, failed = 0, cancelled = 0}
local room
local i = 5
while i <= #ARGV do
  local start, succeeded, r, m = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local from = i + 4
  i = from + 2 * (r + m)
  -- SETBIT is the first write: at maxmemory Redis refuses it, and so the script, before it changed
  -- anything (once a script has written, Redis lets its later writes through).
  if redis.call('SETBIT', KEYS[6], start, 1) == 0 then
    if r > 0 then redis.call('HSET', KEYS[7], unpack(ARGV, from, from + 2 * r - 1)) end
    counts.succeeded = counts.succeeded + succeeded
    for j = from + 2 * r, i - 1, 2 do
      local outcome = ARGV[j]
      counts[outcome] = counts[outcome] + 1
      local full = emit(ARGV[j + 1])
      if outcome == 'failed' then
        room = room or 500 - redis.call('LLEN', KEYS[9])
        if room > 0 then
          redis.call('RPUSH', KEYS[9], full)
          room = room - 1
        end
      end
    end
  end
end
redis.call('HDEL', KEYS[8], ARGV[4])
-- The counters as HINCRBY leaves them, for complete() without reading them again.
for field, at in pairs({succeeded = 4, failed = 5, cancelled = 6}) do
  local n = counts[field]
  if n > 0 then h[at] = redis.call('HINCRBY', JK, field, n) end
end
if counts.succeeded > 0 then
  emit('{"type":"items","jobId":' .. cjson.encode(ID) .. ',"succeeded":' .. counts.succeeded .. '}')
end
return {counts.succeeded + counts.failed + counts.cancelled, complete(KEYS[5], KEYS[6], h)}
