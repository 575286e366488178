-- Apply one status update from a back-office system, in order: an update whose sequence number is not
-- above the dossier's is ignored (equal: duplicate, lower: stale). Keeps the counters of the dossier's
-- province and processing agency, and counts a first decision (done, returned) as on time or late
-- against the deadline (submitted + processing time).
-- KEYS[1] dossier hash   KEYS[2] province counters   KEYS[3] agency counters
-- ARGV[1] seq   ARGV[2] new status   ARGV[3] time of the update (ms)   ARGV[4] time of the update (ISO)
-- ARGV[5] now (ISO)   ARGV[6] processing agency   ARGV[7] system   ARGV[8] processing time (ms)
-- Returns {outcome, status, seq} with outcome applied | duplicate | stale | not_found | not_submitted.
local d = redis.call('HMGET', KEYS[1], 'status', 'seq', 'province_code', 'agency', 'submitted_ms',
  'deadline_ms', 'decided')
local status = d[1]
if not status then return {'not_found', '', 0} end
if status == 'draft' then return {'not_submitted', status, 0} end
local seq = tonumber(d[2] or '0')
local new_seq = tonumber(ARGV[1])
if new_seq == seq then return {'duplicate', status, seq} end
if new_seq < seq then return {'stale', status, seq} end
local new_status = ARGV[2]
local province = d[3]
local agency = d[4]
redis.call('HINCRBY', KEYS[2], province .. '|n:' .. status, -1)
redis.call('HINCRBY', KEYS[2], province .. '|n:' .. new_status, 1)
if agency then
  redis.call('HINCRBY', KEYS[3], agency .. '|n:' .. status, -1)
else
  agency = ARGV[6]
  redis.call('HSET', KEYS[1], 'agency', agency, 'system', ARGV[7])
end
redis.call('HINCRBY', KEYS[3], agency .. '|n:' .. new_status, 1)
local deadline = tonumber(d[6] or '0')
if not d[6] then
  deadline = tonumber(d[5] or '0') + tonumber(ARGV[8])
  redis.call('HSET', KEYS[1], 'deadline_ms', deadline)
end
if (new_status == 'done' or new_status == 'returned') and not d[7] then
  local verdict = 'late'
  if tonumber(ARGV[3]) <= deadline then verdict = 'on_time' end
  redis.call('HINCRBY', KEYS[2], province .. '|' .. verdict, 1)
  redis.call('HINCRBY', KEYS[3], agency .. '|' .. verdict, 1)
  redis.call('HSET', KEYS[1], 'decided', verdict, 'decided_at', ARGV[4])
end
redis.call('HSET', KEYS[1], 'status', new_status, 'seq', new_seq, 'status_at', ARGV[4], 'updated_at', ARGV[5])
return {'applied', new_status, new_seq}
