-- claim: before a worker runs a chunk that may have run before (BullMQ delivers it again after
-- a stall or a retry): whether its outcomes are recorded already, and whether its job still
-- wants its items run. A chunk's first delivery needs neither: nothing of it is recorded, and
-- a cancel reaches its worker on the cancel channel.
-- KEYS[5] recorded: bitmap, bit i set once the chunk whose first item is i is recorded
-- ARGV[4] the chunk's first item index
-- Returns 'final' | 'stop' | 'recorded' | 'run'.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return 'final' end
if s == 'cancelling' or redis.call('HEXISTS', JK, 'failure') == 1 then return 'stop' end
if redis.call('GETBIT', KEYS[5], ARGV[4]) == 1 then return 'recorded' end
return 'run'
