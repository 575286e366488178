-- Create a pending payment of a dossier's fee atomically, honouring an Idempotency-Key.
-- KEYS[1] idempotency key   KEYS[2] dossier hash   KEYS[3] the dossier's payments (hash id -> status)
-- KEYS[4] payment hash      KEYS[5] the partition's payments by creation time (zset)
-- ARGV[1] owner   ARGV[2] payment id   ARGV[3] created (ms)   ARGV[4] idempotency TTL in s (0: no key)
-- ARGV[5] request fingerprint   ARGV[6] partner   ARGV[7] currency   ARGV[8] created (ISO)
-- Returns {outcome, payment id}: created | replayed | key_reused | not_found | no_fee | already_paid |
-- collision (the random id is taken: draw another).
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  local seen = redis.call('GET', KEYS[1])
  if seen then
    local sep = string.find(seen, '|', 1, true)
    local id = string.sub(seen, 1, sep - 1)
    if string.sub(seen, sep + 1) ~= ARGV[5] then return {'key_reused', id} end
    return {'replayed', id}
  end
end
if redis.call('HGET', KEYS[2], 'owner') ~= ARGV[1] then return {'not_found', ''} end
local fee = tonumber(redis.call('HGET', KEYS[2], 'fee_vnd') or '0') or 0
if fee <= 0 then return {'no_fee', ''} end
if redis.call('EXISTS', KEYS[4]) == 1 then return {'collision', ''} end
for _, status in ipairs(redis.call('HVALS', KEYS[3])) do
  if status == 'succeeded' then return {'already_paid', ''} end
end
redis.call('HSET', KEYS[4],
  'payment_id', ARGV[2], 'dossier_code', redis.call('HGET', KEYS[2], 'code'), 'owner', ARGV[1],
  'partner', ARGV[6], 'amount', tostring(fee), 'currency', ARGV[7], 'status', 'pending',
  'created_at', ARGV[8], 'created_ms', ARGV[3], 'updated_at', ARGV[8], 'callbacks', '0')
redis.call('HSET', KEYS[3], ARGV[2], 'pending')
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[5], 'EX', ttl) end
return {'created', ARGV[2]}
