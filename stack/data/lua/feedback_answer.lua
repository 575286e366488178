-- Record an agency's answer to a feedback, on time or late against its deadline (once).
-- KEYS[1] feedback hash   KEYS[2] the partition's open feedback   KEYS[3] the partition's counters
-- KEYS[4] the partition's open feedback of the answering agency (only touched when it owns the item)
-- ARGV[1] id   ARGV[2] answering agency   ARGV[3] answer text   ARGV[4] answered (ms)   ARGV[5] answered (ISO)
-- Returns {'answered', late} | {'replayed', late} (the same answer again) | {'conflict', ''} (another
-- answer already) | {'not_found', ''} | {'wrong_agency', agency} | {'before_filing', ''}; late is '1'/'0'.
local fb = redis.call('HMGET', KEYS[1], 'agency', 'status', 'answer', 'answered_late', 'filed_ms', 'deadline_ms')
if not fb[1] then return {'not_found', ''} end
if fb[1] ~= ARGV[2] then return {'wrong_agency', fb[1]} end
if fb[2] == 'answered' then
  if fb[3] == ARGV[3] then return {'replayed', fb[4]} end
  return {'conflict', ''}
end
local at = tonumber(ARGV[4])
if at < tonumber(fb[5]) then return {'before_filing', ''} end
local late = '0'
if at > tonumber(fb[6]) then late = '1' end
redis.call('HSET', KEYS[1], 'status', 'answered', 'answer', ARGV[3], 'answered_ms', ARGV[4],
  'answered_at', ARGV[5], 'answered_late', late)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
if late == '1' then
  redis.call('HINCRBY', KEYS[3], ARGV[2] .. '|late', 1)
else
  redis.call('HINCRBY', KEYS[3], ARGV[2] .. '|on_time', 1)
end
return {'answered', late}
