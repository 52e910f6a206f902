// The Lua scripts that change a job's record. Each runs atomically in Redis,
// so numbering an event, writing it to the streams and changing the record
// are one step: a reader never sees a gap in `seq`, and two workers racing on
// one item (a stalled chunk redelivered while its first worker still runs)
// cannot both count it: HSETNX on the outcomes hash lets the first write win.
//
// Every script takes ARGV[1] = key prefix, ARGV[2] = job id. Keys are built
// here from the prefix, which ties a deployment to one Redis (not a cluster).
import { RATE_SMOOTHING } from '@threadline/core/internal';
import { PRELUDE } from './prelude.js';

/** Core's rate smoothing (its RateMeter), as Lua numbers: one setting for both backends. */
const RATE_MIN_MS = RATE_SMOOTHING.minIntervalMs;
const RATE_TAU_MS = RATE_SMOOTHING.tauMs;

/**
 * ARGV: static JSON, job ref, mode, createdAt, queued event JSON, then for a periodic job:
 * schedule id (or ''), period in ms, and its runs' static JSON and snapshot JSON without
 * id, createdAt and runAt (the finish script fills those in for each next run).
 */
const create = `
if redis.call('EXISTS', JK) == 1 then return 0 end
if ARGV[8] ~= '' then
  redis.call('HSET', P .. ':schedule:' .. ARGV[8], 'everyMs', ARGV[9], 'static', ARGV[10],
    'snapshot', ARGV[11], 'ref', ARGV[4], 'mode', ARGV[5])
end
createRun(ID, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[8], ARGV[7])
return 1
`;

/** A worker starts the job (enumerating its items). Returns the state it found. */
const begin = `
local s = redis.call('HGET', JK, 'state')
if s == 'queued' then
  redis.call('HSET', JK, 'state', 'running', 'startedAt', now())
  emit('{"type":"started","jobId":' .. cjson.encode(ID) .. '}')
  return 'running'
end
return s or 'missing'
`;

/** ARGV: items enumerated so far, done (0|1), failure JSON or ''. Returns {complete(), stopping}. */
const enumerated = `
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return {0, 1} end
local count = tonumber(ARGV[3])
if count > tonumber(redis.call('HGET', JK, 'enumerated')) then redis.call('HSET', JK, 'enumerated', count) end
if ARGV[5] ~= '' and redis.call('HEXISTS', JK, 'failure') == 0 then redis.call('HSET', JK, 'failure', ARGV[5]) end
if ARGV[4] == '1' then redis.call('HSET', JK, 'enumDone', 1) end
local stopping = 0
if s == 'cancelling' or redis.call('HEXISTS', JK, 'failure') == 1 then stopping = 1 end
return {complete(), stopping}
`;

/** ARGV: chunk id, item indexes... Returns {'final'} | {'stop'} | {'run', indexes without an outcome...}. */
const claim = `
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return {'final'} end
if s == 'cancelling' or redis.call('HEXISTS', JK, 'failure') == 1 then return {'stop'} end
redis.call('SADD', JK .. ':active', ARGV[3])
local out = {'run'}
if #ARGV < 4 then return out end
-- One HMGET for the chunk, not a call per item: a redis.call costs more than the item here.
local have = redis.call('HMGET', JK .. ':outcomes', unpack(ARGV, 4))
for i = 4, #ARGV do
  if not have[i - 3] then out[#out + 1] = ARGV[i] end
end
return out
`;

/**
 * ARGV: chunk id, worker id, then per item: index, outcome, result JSON or '', item event JSON
 * ('' for a succeeded item). An item that already has an outcome is skipped: its first
 * completion stands. As in-process, succeeded items are one `items` count event per call, and
 * each failed or cancelled item its own `item` event: per-item events of successes were two
 * XADDs an item, most of the backend's Redis CPU. Returns {items newly recorded, complete()}.
 */
const record = `
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then
  redis.call('SREM', JK .. ':active', ARGV[3])
  return {0, 0}
end
local added, succeeded = 0, 0
-- One HMGET and one HSET per hash for the chunk (the script is atomic, so this is HSETNX per
-- item), not calls per item: a redis.call costs more than a no-op item.
local indexes = {}
for i = 5, #ARGV, 4 do indexes[#indexes + 1] = ARGV[i] end
local have = {}
if #indexes > 0 then have = redis.call('HMGET', JK .. ':outcomes', unpack(indexes)) end
local outcomes, results = {}, {}
for k = 1, #indexes do
  local i = 1 + k * 4
  local idx, outcome = ARGV[i], ARGV[i + 1]
  if not have[k] then
    added = added + 1
    outcomes[#outcomes + 1] = idx
    outcomes[#outcomes + 1] = outcome
    if outcome == 'succeeded' then
      succeeded = succeeded + 1
      if ARGV[i + 2] ~= '' then
        results[#results + 1] = idx
        results[#results + 1] = ARGV[i + 2]
      end
    else
      redis.call('HINCRBY', JK, outcome, 1)
      local full = emit(ARGV[i + 3])
      if outcome == 'failed' and redis.call('LLEN', JK .. ':failures') < 500 then
        redis.call('RPUSH', JK .. ':failures', full)
      end
    end
  end
end
if #outcomes > 0 then redis.call('HSET', JK .. ':outcomes', unpack(outcomes)) end
if #results > 0 then redis.call('HSET', JK .. ':results', unpack(results)) end
if succeeded > 0 then
  redis.call('HINCRBY', JK, 'succeeded', succeeded)
  emit('{"type":"items","jobId":' .. cjson.encode(ID) .. ',"succeeded":' .. succeeded .. '}')
end
if ARGV[3] ~= '' then redis.call('SREM', JK .. ':active', ARGV[3]) end
redis.call('HDEL', JK .. ':inflight', ARGV[4])
return {added, complete()}
`;

/**
 * A chunk that failed for good (its last attempt threw, or Redis is out of memory). ARGV: chunk
 * id, worker id, a failure JSON to stop the job with or '' (as maxFailures does, unless it is
 * stopping already), the reason its cancelling event gives, then per item: index, failed item
 * event JSON. Items that have an outcome keep it; the chunk's claim is released, so the job can
 * complete. Returns {items newly failed, complete()}.
 */
const failChunk = `
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then
  redis.call('SREM', JK .. ':active', ARGV[3])
  return {0, 0}
end
local added = 0
for i = 7, #ARGV, 2 do
  if redis.call('HSETNX', JK .. ':outcomes', ARGV[i], 'failed') == 1 then
    added = added + 1
    redis.call('HINCRBY', JK, 'failed', 1)
    local full = emit(ARGV[i + 1])
    if redis.call('LLEN', JK .. ':failures') < 500 then redis.call('RPUSH', JK .. ':failures', full) end
  end
end
redis.call('SREM', JK .. ':active', ARGV[3])
redis.call('HDEL', JK .. ':inflight', ARGV[4])
if ARGV[5] ~= '' and s == 'running' and redis.call('HEXISTS', JK, 'failure') == 0 then
  redis.call('HSET', JK, 'failure', ARGV[5], 'state', 'cancelling', 'cancelRequested', 1, 'cancelForce', 0)
  emit(cjson.encode({type = 'cancelling', jobId = ID, reason = ARGV[6], force = false}))
  redis.call('PUBLISH', P .. ':cancel', cjson.encode({jobId = ID, force = false}))
end
return {added, complete()}
`;

/**
 * ARGV: reason or '', force (0|1), failure JSON or '', maxJobs. A queued job is cancelled at
 * once; a running one turns cancelling and every worker hears it on the cancel channel. A
 * user's cancel (no failure) of any run of a periodic job stops its schedule, as in-process.
 * Returns {state, complete()}.
 */
const cancel = `
local s = redis.call('HGET', JK, 'state')
if not s then return {'missing', 0} end
if isFinal(s) then return {s, 0} end
local sid = redis.call('HGET', JK, 'scheduleId')
if sid and ARGV[5] == '' then redis.call('DEL', P .. ':schedule:' .. sid) end
local force = ARGV[4] == '1'
if s == 'cancelling' and (redis.call('HGET', JK, 'cancelForce') == '1' or not force) then return {s, 0} end
local reason = cjson.null
if ARGV[3] ~= '' then reason = ARGV[3] end
if ARGV[5] ~= '' and redis.call('HEXISTS', JK, 'failure') == 0 then redis.call('HSET', JK, 'failure', ARGV[5]) end
redis.call('HSET', JK, 'cancelForce', ARGV[4], 'cancelRequested', 1)
emit(cjson.encode({type = 'cancelling', jobId = ID, reason = reason, force = force}))
if s == 'queued' then
  redis.call('HSET', JK, 'state', 'cancelled', 'finishedAt', now(), 'summary', 'null', 'error', 'null')
  emit('{"type":"finished","jobId":' .. cjson.encode(ID) .. ',"state":"cancelled","summary":null,"error":null,' ..
    '"items":{"total":null,"succeeded":0,"failed":0,"cancelled":0}}')
  retire(tonumber(ARGV[6]))
  return {'cancelled', 0}
end
redis.call('HSET', JK, 'state', 'cancelling')
redis.call('PUBLISH', P .. ':cancel', cjson.encode({jobId = ID, force = force}))
return {'cancelling', complete()}
`;

/**
 * ARGV: worker id, items completed in its running chunks, partial fraction of its running
 * items, message, has message (0|1). Folds every live worker's share into one progress
 * event, with the rate and ETA of core's RateMeter and etaOf, written again in Lua: the
 * rate is of every worker's items together, so only Redis can keep it. Returns {state, cancel forced (0|1)}.
 */
const progress = `
local h = redis.call('HMGET', JK, 'state', 'enumDone', 'enumerated', 'succeeded', 'failed', 'cancelled',
  'rateAt', 'rateDone', 'rate', 'message', 'rateFrom')
if h[1] ~= 'running' and h[1] ~= 'cancelling' then return {h[1] or 'missing', 0} end
local t = now()
local ik = JK .. ':inflight'
if tonumber(ARGV[4]) == 0 and tonumber(ARGV[5]) == 0 then redis.call('HDEL', ik, ARGV[3])
else redis.call('HSET', ik, ARGV[3], ARGV[4] .. ' ' .. ARGV[5] .. ' ' .. t) end
local message = h[10]
if ARGV[7] == '1' then
  message = ARGV[6]
  redis.call('HSET', JK, 'message', message)
end
-- Items that ran (succeeded or failed): a cancelled item is not done, or a cancel would read as 100%.
local done = tonumber(h[4]) + tonumber(h[5])
local partial = 0
local all = redis.call('HGETALL', ik)
for i = 1, #all, 2 do
  local c, p, at = string.match(all[i + 1], '(%S+) (%S+) (%S+)')
  -- A share not refreshed for 15 s belongs to a worker that died; its chunk will run again.
  if t - tonumber(at) < 15000 then
    done = done + tonumber(c)
    partial = partial + tonumber(p)
  end
end
local total = cjson.null
local fraction = cjson.null
if h[2] == '1' then
  total = tonumber(h[3])
  fraction = 1
  if total > 0 then fraction = math.min(1, (done + partial) / total) end
end
local rate = cjson.null
if h[9] then rate = tonumber(h[9]) end
if not h[7] then
  if done > 0 then redis.call('HSET', JK, 'rateAt', t, 'rateDone', done, 'rateFrom', t) end
else
  local dt = t - tonumber(h[7])
  if dt >= ${RATE_MIN_MS} then
    local instant = math.max(0, done - tonumber(h[8])) * 1000 / dt
    local weight = math.max(1 - math.exp(-dt / ${RATE_TAU_MS}), dt / (t - tonumber(h[11] or h[7])))
    if rate == cjson.null then rate = instant else rate = rate + weight * (instant - rate) end
    redis.call('HSET', JK, 'rateAt', t, 'rateDone', done, 'rate', rate)
  end
end
local eta = cjson.null
if rate ~= cjson.null and total ~= cjson.null and rate > 0 then eta = math.max(0, (total - done) / rate)
elseif total ~= cjson.null and total == done then eta = 0 end
local msg = cjson.null
if message and message ~= '' then msg = message end
local json = cjson.encode({done = done, total = total, fraction = fraction, rate = rate, eta = eta, message = msg})
redis.call('HSET', JK, 'progress', json)
emit('{"type":"progress","jobId":' .. cjson.encode(ID) .. ',"progress":' .. json .. '}')
-- The state rides back, so a worker that missed a cancel on the channel (while reconnecting) still hears it.
return {h[1], tonumber(redis.call('HGET', JK, 'cancelForce') or '0')}
`;

/**
 * ARGV: final state, summary JSON, error JSON, an id for the next run, maxJobs. Items that
 * never got an outcome count as cancelled. Only the first call for a job does anything, so
 * racing finishers are harmless, and a finisher retried after a crash records no second next
 * run: a run of a live schedule that ends other than cancelled records the next run here, in
 * the same step, queued for max(now, startedAt + period) as in-process.
 * Returns {0} | {1} | {1, next run's id, its runAt}.
 */
const finish = `
local h = redis.call('HMGET', JK, 'state', 'enumerated', 'succeeded', 'failed', 'cancelled', 'rate', 'enumDone')
if not h[1] or isFinal(h[1]) then return {0} end
local total = tonumber(h[2])
local succeeded, failed, cancelled = tonumber(h[3]), tonumber(h[4]), tonumber(h[5])
local rest = total - succeeded - failed - cancelled
if rest > 0 then cancelled = cancelled + rest end
local done = succeeded + failed
local fraction = 1
if total > 0 then fraction = math.min(1, done / total) end
local rate = cjson.null
if h[6] then rate = tonumber(h[6]) end
local progress = cjson.encode({done = done, total = total, fraction = fraction, rate = rate, eta = 0, message = cjson.null})
-- The last sample, so a stream's final progress agrees with the final counts (a run's is in its own units).
if redis.call('HGET', JK, 'mode') ~= 'run' then
  emit('{"type":"progress","jobId":' .. cjson.encode(ID) .. ',"progress":' .. progress .. '}')
else
  progress = redis.call('HGET', JK, 'progress') or progress
end
redis.call('HSET', JK, 'state', ARGV[3], 'finishedAt', now(), 'summary', ARGV[4], 'error', ARGV[5],
  'cancelled', cancelled, 'progress', progress, 'enumDone', 1)
redis.call('DEL', JK .. ':inflight', JK .. ':active')
emit('{"type":"finished","jobId":' .. cjson.encode(ID) .. ',"state":' .. cjson.encode(ARGV[3]) ..
  ',"summary":' .. ARGV[4] .. ',"error":' .. ARGV[5] .. ',"items":{"total":' .. total ..
  ',"succeeded":' .. succeeded .. ',"failed":' .. failed .. ',"cancelled":' .. cancelled .. '}}')
local reply = {1}
local sid = redis.call('HGET', JK, 'scheduleId')
if sid and ARGV[3] ~= 'cancelled' then
  local sc = redis.call('HMGET', P .. ':schedule:' .. sid, 'everyMs', 'static', 'snapshot', 'ref', 'mode')
  if sc[1] then
    local t = now()
    local runAt = math.max(t, tonumber(redis.call('HGET', JK, 'startedAt') or t) + tonumber(sc[1]))
    local nid = ARGV[6]
    local head = '{"id":' .. cjson.encode(nid) .. ',"createdAt":' .. t .. ',"runAt":' .. runAt .. ','
    createRun(nid, head .. string.sub(sc[2], 2), sc[4], sc[5], t, sid,
      '{"type":"queued","jobId":' .. cjson.encode(nid) .. ',"job":' .. head .. string.sub(sc[3], 2) .. '}')
    reply = {1, nid, runAt}
  end
end
retire(tonumber(ARGV[7]))
return reply
`;

/** ARGV: log event JSON. Keeps the latest 1000 for details(). */
const log = `
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return 0 end
local full = emit(ARGV[3])
redis.call('RPUSH', JK .. ':logs', full)
redis.call('LTRIM', JK .. ':logs', -1000, -1)
return 1
`;

export const SCRIPTS = { create, begin, enumerated, claim, record, failChunk, cancel, progress, finish, log };
export type ScriptName = keyof typeof SCRIPTS;

/**
 * The steps that end a job's work, which must run when Redis is at maxmemory, or a full Redis
 * strands its jobs: each writes a bounded few fields and events (failChunk at most one chunk's
 * items), and the job they end stops writing. Starting jobs and recording items stay refused.
 */
const ALLOW_OOM: ReadonlySet<ScriptName> = new Set(['begin', 'enumerated', 'failChunk', 'cancel', 'finish']);

/** A script's source; a shebang flag (Redis 7) lets those of ALLOW_OOM write past maxmemory. */
export const scriptSource = (name: ScriptName) =>
  (ALLOW_OOM.has(name) ? '#!lua flags=allow-oom\n' : '') + PRELUDE + SCRIPTS[name];
