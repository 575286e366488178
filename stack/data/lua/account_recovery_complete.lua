-- Complete a recovery: unlock the account and close its ticket, met or breached against its deadline.
-- KEYS[1] ticket hash   KEYS[2] account hash   KEYS[3] open tickets   KEYS[4] active index
-- KEYS[5] partition counters
-- ARGV[1] ticket id   ARGV[2] citizen id   ARGV[3] now (ms)   ARGV[4] now (ISO)   ARGV[5] completed by
-- Returns {'completed', outcome} | {'already', outcome} | {'not_found', ''} | {'before_request', ''}.
-- Recovery counts as activity: the 2-year clock starts again at completion.
local ticket = redis.call('HMGET', KEYS[1], 'citizen_id', 'status', 'outcome', 'requested_ms', 'deadline_ms')
if ticket[1] ~= ARGV[2] then return {'not_found', ''} end
if ticket[2] == 'completed' then return {'already', ticket[3]} end
local now = tonumber(ARGV[3])
if now < tonumber(ticket[4]) then return {'before_request', ''} end
local outcome = 'met'
if now > tonumber(ticket[5]) then outcome = 'breached' end
redis.call('HSET', KEYS[1], 'status', 'completed', 'outcome', outcome, 'completed_ms', ARGV[3],
  'completed_at', ARGV[4], 'completed_by', ARGV[5])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[2], 'state', 'active', 'last_ms', ARGV[3], 'recovered_ms', ARGV[3])
redis.call('HDEL', KEYS[2], 'ticket', 'noticed_ms', 'noticed_for', 'locked_ms')
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
redis.call('HINCRBY', KEYS[5], 'recovered_' .. outcome, 1)
redis.call('HINCRBY', KEYS[5], 'locked_now', -1)
return {'completed', outcome}
