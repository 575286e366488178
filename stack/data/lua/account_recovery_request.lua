-- Open a recovery ticket for a locked account (one open ticket per account).
-- KEYS[1] account hash   KEYS[2] the new ticket's hash   KEYS[3] open tickets by deadline
-- KEYS[4] partition counters
-- ARGV[1] citizen id   ARGV[2] ticket id   ARGV[3] requested (ms)   ARGV[4] requested (ISO)
-- ARGV[5] deadline (ms)   ARGV[6] deadline (ISO)
-- Returns {'created', id} | {'existing', open ticket id} | {'not_locked', ''} | {'collision', ''}.
local account = redis.call('HMGET', KEYS[1], 'state', 'ticket')
if account[1] ~= 'locked' then return {'not_locked', ''} end
if account[2] then return {'existing', account[2]} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'collision', ''} end
redis.call('HSET', KEYS[2], 'ticket_id', ARGV[2], 'citizen_id', ARGV[1], 'status', 'open',
  'requested_ms', ARGV[3], 'requested_at', ARGV[4], 'deadline_ms', ARGV[5], 'deadline_at', ARGV[6])
redis.call('HSET', KEYS[1], 'ticket', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])
redis.call('HINCRBY', KEYS[4], 'recovery_requests', 1)
return {'created', ARGV[2]}
