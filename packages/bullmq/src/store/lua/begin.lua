#!lua flags=allow-oom
-- begin: a worker starts enumerating the job's items. The job stays queued until a worker
-- claims its first chunk (claim.lua): only then does one of its items run. Runs at maxmemory:
-- it ends work.
-- (the prelude's KEYS and ARGV only)
-- Returns the state it found.
local s = redis.call('HGET', JK, 'state')
if s == 'queued' then redis.call('HSET', JK, 'begun', 1) end
return s or 'missing'
