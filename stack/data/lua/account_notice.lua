-- Record that the inactivity notice for the account's current idle period went out.
-- KEYS[1] account hash   KEYS[2] active index   KEYS[3] noticed index   KEYS[4] partition counters
-- ARGV[1] citizen id     ARGV[2] the last activity (ms) the notice was for   ARGV[3] now (ms)
-- Returns 'ok', or 'changed' (the citizen logged in since, or the account moved on; nothing written).
local account = redis.call('HMGET', KEYS[1], 'state', 'last_ms')
if account[1] ~= 'active' or tonumber(account[2]) ~= tonumber(ARGV[2]) then return 'changed' end
redis.call('HSET', KEYS[1], 'state', 'noticed', 'noticed_for', ARGV[2], 'noticed_ms', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'notices', 1)
return 'ok'
