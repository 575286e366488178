-- Record an attachment (already stored by content hash) on a draft dossier of its owner.
-- KEYS[1] dossier hash   KEYS[2] attachments hash
-- ARGV[1] owner   ARGV[2] name   ARGV[3] metadata JSON   ARGV[4] max attachments   ARGV[5] now (ISO)
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 'not_found' end
if redis.call('HGET', KEYS[1], 'status') ~= 'draft' then return 'not_draft' end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then
  return 'too_many'
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[1], 'updated_at', ARGV[5])
return 'ok'
