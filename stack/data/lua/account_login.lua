-- Record a login as the account's last activity, unless the account is locked.
-- KEYS[1] account hash   KEYS[2] the partition's active index   KEYS[3] the partition's noticed index
-- ARGV[1] citizen id     ARGV[2] now (ms)
-- Returns 'locked' (nothing written) or 'ok'. A login ends any notice window: the account is active
-- again, indexed by the new time (never moved back by a worker whose clock is behind).
if redis.call('HGET', KEYS[1], 'state') == 'locked' then return 'locked' end
local now = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'last_ms') or '0')
if last > now then now = last end
local now_s = string.format('%d', now)
redis.call('HSET', KEYS[1], 'citizen_id', ARGV[1], 'state', 'active', 'last_ms', now_s)
redis.call('HDEL', KEYS[1], 'noticed_ms', 'noticed_for')
redis.call('ZADD', KEYS[2], now_s, ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 'ok'
