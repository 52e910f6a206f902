-- create: records a new job (queued), and for a periodic job its schedule.
-- KEYS[5] jobs: sorted set of job ids by creation
-- KEYS[6] handoff: runs whose control job may not be queued yet
-- KEYS[7] the schedule's hash (ARGV[9]'s), or any key of the deployment for a job without one
-- KEYS[8] schedules: set of live schedule ids
-- ARGV[4] static JSON
-- ARGV[5] job ref
-- ARGV[6] mode (process | run)
-- ARGV[7] createdAt (ms)
-- ARGV[8] queued event JSON
-- ARGV[9] schedule id, or ''
-- ARGV[10] period in ms
-- ARGV[11] its runs' static JSON, without id, createdAt and runAt (the finish script fills them in)
-- ARGV[12] its runs' snapshot JSON, the same way
-- Returns 1, or 0 when the job exists already.
if redis.call('EXISTS', JK) == 1 then return 0 end
if ARGV[9] ~= '' then
  redis.call('HSET', KEYS[7], 'everyMs', ARGV[10], 'static', ARGV[11], 'snapshot', ARGV[12],
    'ref', ARGV[5], 'mode', ARGV[6])
  redis.call('SADD', KEYS[8], ARGV[9])
end
createRun(JK, JEV, KEYS[5], KEYS[6], ID, ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[9], ARGV[8])
return 1
