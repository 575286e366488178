-- Lock a warned account that stayed inactive (the caller checked the dates against its policy).
-- KEYS[1] account hash   KEYS[2] noticed index   KEYS[3] partition counters
-- ARGV[1] citizen id     ARGV[2] the last activity (ms) the decision was made on   ARGV[3] now (ms)
-- Returns 'ok', or 'changed' (the citizen logged in since the decision; nothing written).
local account = redis.call('HMGET', KEYS[1], 'state', 'last_ms')
if account[1] ~= 'noticed' or tonumber(account[2]) ~= tonumber(ARGV[2]) then return 'changed' end
redis.call('HSET', KEYS[1], 'state', 'locked', 'locked_ms', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'locked', 1)
redis.call('HINCRBY', KEYS[3], 'locked_now', 1)
return 'ok'
