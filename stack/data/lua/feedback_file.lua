-- File a feedback or petition atomically, honouring an Idempotency-Key.
-- KEYS[1] idempotency key   KEYS[2] feedback hash   KEYS[3] the citizen's feedback index
-- KEYS[4] the partition's open feedback (zset by deadline)   KEYS[5] the partition's counters
-- KEYS[6] the partition's open feedback of this agency (zset by deadline)
-- ARGV[1] id   ARGV[2] filed (ms)   ARGV[3] idempotency TTL in s (0: no key given)   ARGV[4] fingerprint
-- ARGV[5] deadline (ms)   ARGV[6] agency   ARGV[7..] feedback field/value pairs
-- Returns {'created', id} | {'replayed', id} | {'key_reused', id} | {'collision', ''}.
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  local seen = redis.call('GET', KEYS[1])
  if seen then
    local sep = string.find(seen, '|', 1, true)
    local id = string.sub(seen, 1, sep - 1)
    if string.sub(seen, sep + 1) ~= ARGV[4] then return {'key_reused', id} end
    return {'replayed', id}
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'collision', ''} end
redis.call('HSET', KEYS[2], unpack(ARGV, 7))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[5], ARGV[1])
redis.call('HINCRBY', KEYS[5], ARGV[6] .. '|filed', 1)
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[4], 'EX', ttl) end
return {'created', ARGV[1]}
