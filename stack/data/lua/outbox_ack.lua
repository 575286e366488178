-- A back-office system acknowledged a dossier: acknowledge and drop its outbox entry, and mark the
-- dossier forwarded (unless a status update already moved it on), moving its counters. Idempotent: a
-- second acknowledgement of the same entry (a redelivery after a claim) changes nothing.
-- KEYS[1] outbox stream   KEYS[2] dossier hash   KEYS[3] province counters   KEYS[4] agency counters
-- ARGV[1] consumer group   ARGV[2] entry id   ARGV[3] agency   ARGV[4] system   ARGV[5] now (ISO)
-- Returns 1 when this call acknowledged the entry, 0 when it had been acknowledged already.
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
local d = redis.call('HMGET', KEYS[2], 'status', 'province_code', 'agency')
if d[1] == 'submitted' then
  -- a submitted dossier has no agency yet: only a status update (which moves it on) or this sets one
  local agency = d[3] or ARGV[3]
  if not d[3] then redis.call('HSET', KEYS[2], 'agency', agency, 'system', ARGV[4]) end
  redis.call('HINCRBY', KEYS[3], d[2] .. '|n:submitted', -1)
  redis.call('HINCRBY', KEYS[3], d[2] .. '|n:forwarded', 1)
  redis.call('HINCRBY', KEYS[4], agency .. '|n:forwarded', 1)
  redis.call('HSET', KEYS[2], 'status', 'forwarded', 'updated_at', ARGV[5])
end
if d[1] and redis.call('HEXISTS', KEYS[2], 'forwarded_at') == 0 then
  redis.call('HSET', KEYS[2], 'forwarded_at', ARGV[5])
end
return acked
