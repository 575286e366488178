-- Submit a draft dossier of its owner (idempotent: a submitted dossier is left as it is), queue it for
-- its back-office system and count it, in one atomic write (all keys share the dossier's hash tag).
-- KEYS[1] dossier hash   KEYS[2] outbox stream of the partition   KEYS[3] province counters (hash)
-- ARGV[1] owner   ARGV[2] now (ISO)   ARGV[3] now (ms since the epoch)
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 'not_found' end
if redis.call('HGET', KEYS[1], 'status') ~= 'draft' then return 'already' end
redis.call('HSET', KEYS[1], 'status', 'submitted', 'submitted_at', ARGV[2], 'updated_at', ARGV[2],
  'submitted_ms', ARGV[3])
local d = redis.call('HMGET', KEYS[1], 'code', 'procedure_id', 'province_code')
redis.call('XADD', KEYS[2], '*', 'code', d[1], 'procedure_id', d[2], 'province_code', d[3],
  'submitted_ms', ARGV[3])
redis.call('HINCRBY', KEYS[3], d[3] .. '|n:submitted', 1)
return 'ok'
