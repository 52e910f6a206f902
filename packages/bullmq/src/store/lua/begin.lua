#!lua flags=allow-oom
-- begin: a worker starts the job (enumerating its items). Runs at maxmemory: it ends work.
-- (the prelude's KEYS and ARGV only)
-- Returns the state it found ('running' once it began it).
local s = redis.call('HGET', JK, 'state')
if s == 'queued' then
  redis.call('HSET', JK, 'state', 'running', 'startedAt', now())
  emit('{"type":"started","jobId":' .. cjson.encode(ID) .. '}')
  return 'running'
end
return s or 'missing'
