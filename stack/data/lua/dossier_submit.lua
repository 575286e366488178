-- Submit a draft dossier of its owner (idempotent: a submitted dossier is left as it is).
-- KEYS[1] dossier hash
-- ARGV[1] owner   ARGV[2] now (ISO)
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 'not_found' end
if redis.call('HGET', KEYS[1], 'status') ~= 'draft' then return 'already' end
redis.call('HSET', KEYS[1], 'status', 'submitted', 'submitted_at', ARGV[2], 'updated_at', ARGV[2])
return 'ok'
