#!lua flags=allow-oom
-- enumerated: how far the job's enumeration got. Runs at maxmemory: it ends work.
-- KEYS[5] BullMQ's active list of the items queue (see complete)
-- KEYS[6] recorded: bitmap, bit i set once the chunk whose first item is i is recorded
-- ARGV[4] items enumerated so far
-- ARGV[5] done (0|1)
-- ARGV[6] failure JSON, or ''
-- Returns {complete (0|1), stopping (0|1)}.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return {0, 1} end
local count = tonumber(ARGV[4])
if count > tonumber(redis.call('HGET', JK, 'enumerated')) then redis.call('HSET', JK, 'enumerated', count) end
if ARGV[6] ~= '' and redis.call('HEXISTS', JK, 'failure') == 0 then redis.call('HSET', JK, 'failure', ARGV[6]) end
if ARGV[5] == '1' then redis.call('HSET', JK, 'enumDone', 1) end
local stopping = 0
if s == 'cancelling' or redis.call('HEXISTS', JK, 'failure') == 1 then stopping = 1 end
return {complete(KEYS[5], KEYS[6]), stopping}
