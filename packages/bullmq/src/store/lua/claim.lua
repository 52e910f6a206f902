-- claim: a worker takes a chunk, and learns which of its items still need to run.
-- KEYS[5] active: chunks claimed and not yet recorded
-- KEYS[6] outcomes: bitmap, bit i set once item i has an outcome
-- ARGV[4] chunk id
-- ARGV[5..] the chunk's item indexes
-- Returns {'final'} | {'stop'} | {'run', indexes without an outcome...}.
local s = redis.call('HGET', JK, 'state')
if not s or isFinal(s) then return {'final'} end
if s == 'cancelling' or redis.call('HEXISTS', JK, 'failure') == 1 then return {'stop'} end
redis.call('SADD', KEYS[5], ARGV[4])
local out = {'run'}
if #ARGV < 5 then return out end
-- One BITFIELD_RO for the chunk, not a call per item: a redis.call costs more than the item here.
local args = {}
for i = 5, #ARGV do
  args[#args + 1] = 'GET'
  args[#args + 1] = 'u1'
  args[#args + 1] = ARGV[i]
end
local have = redis.call('BITFIELD_RO', KEYS[6], unpack(args))
for i = 5, #ARGV do
  if have[i - 4] == 0 then out[#out + 1] = ARGV[i] end
end
return out
