-- log: an item's log line as an event; the job keeps the latest 1000 for details().
-- KEYS[5] logs: list of the latest log events
-- ARGV[4] log event JSON
-- Returns 1, or 0 when the job is gone or final.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return 0 end
local full = emit(ARGV[4])
redis.call('RPUSH', KEYS[5], full)
redis.call('LTRIM', KEYS[5], -1000, -1)
return 1
