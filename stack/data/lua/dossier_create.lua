-- Create a dossier atomically, honouring an Idempotency-Key.
-- KEYS[1] idempotency key   KEYS[2] dossier hash   KEYS[3] the citizen's dossier index (zset)
-- ARGV[1] code   ARGV[2] created (ms, index score)   ARGV[3] idempotency TTL in s (0: no key given)
-- ARGV[4] request fingerprint   ARGV[5..] dossier field/value pairs
-- Returns {1, code} when created, {0, code} for a replay, {-1, code} for a key reused with another request.
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  local seen = redis.call('GET', KEYS[1])
  if seen then
    local sep = string.find(seen, '|', 1, true)
    local code = string.sub(seen, 1, sep - 1)
    if string.sub(seen, sep + 1) ~= ARGV[4] then return {-1, code} end
    return {0, code}
  end
end
redis.call('HSET', KEYS[2], unpack(ARGV, 5))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[4], 'EX', ttl) end
return {1, ARGV[1]}
