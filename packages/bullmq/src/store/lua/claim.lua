-- claim: before a worker runs its first chunk of a job, or a chunk that may have run before
-- (BullMQ delivers it again after a stall or a retry): whether its job still wants its items
-- run, and whether the chunk's outcomes are recorded already. The first claim of a job starts
-- it: a job is queued until one of its items runs. Other chunks need no claim: nothing of them
-- is recorded, and a cancel reaches their worker on the cancel channel.
-- KEYS[5] recorded: bitmap, bit i set once the chunk whose first item is i is recorded
-- ARGV[4] the chunk's first item index
-- Returns 'final' | 'stop' | 'recorded' | 'run'.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return 'final' end
if s == 'cancelling' or redis.call('HEXISTS', JK, 'failure') == 1 then return 'stop' end
if s == 'queued' then
  redis.call('HSET', JK, 'state', 'running', 'startedAt', now())
  emit('{"type":"started","jobId":' .. cjson.encode(ID) .. '}')
end
if redis.call('GETBIT', KEYS[5], ARGV[4]) == 1 then return 'recorded' end
return 'run'
