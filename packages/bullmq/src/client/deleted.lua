#!lua flags=allow-oom
-- deleted: the one `deleted` event of a delete or clear, numbered and appended to the
-- deployment's stream as the job scripts' `emit` (store/lua/prelude.lua) appends theirs, so a
-- reader sees no gap in `seq`. Only the deployment's stream: the deleted jobs' own streams went
-- with them. Capped like every XADD of ours: `~` trims whole stream nodes, O(1) amortized.
-- Runs at maxmemory: the delete before it freed memory, and views must hear of it.
-- KEYS[1] the event sequence counter
-- KEYS[2] the deployment's event stream
-- ARGV[1] the event JSON, without seq and at
-- ARGV[2] entries the stream keeps (about: MAXLEN ~; retention.maxEvents)
-- Returns the event's seq.
local seq = redis.call('INCR', KEYS[1])
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'e',
  '{"seq":' .. seq .. ',"at":' .. at .. ',' .. string.sub(ARGV[1], 2))
return seq
