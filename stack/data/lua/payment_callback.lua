-- Apply a verified partner notification to a payment: idempotent, order-independent, final states stay.
-- KEYS[1] payment hash   KEYS[2] the dossier's payments (hash id -> status)
-- ARGV[1] partner   ARGV[2] amount   ARGV[3] currency   ARGV[4] status (pending|succeeded|failed)
-- ARGV[5] sequence   ARGV[6] partner transaction id   ARGV[7] now (ISO)
-- Returns {outcome, current status}; outcome is one of
--   unknown | partner_mismatch | currency_mismatch | amount_mismatch  (nothing written)
--   duplicate (this sequence number was applied before) | ignored (the payment is already final)
--   noted (a pending notice on a pending payment) | applied (the payment became final)
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'unknown', ''} end
if redis.call('HGET', KEYS[1], 'partner') ~= ARGV[1] then return {'partner_mismatch', status} end
if redis.call('HGET', KEYS[1], 'currency') ~= ARGV[3] then return {'currency_mismatch', status} end
if redis.call('HGET', KEYS[1], 'amount') ~= ARGV[2] then return {'amount_mismatch', status} end
if redis.call('HSETNX', KEYS[1], 'seq:' .. ARGV[5], ARGV[4] .. '|' .. ARGV[6]) == 0 then
  return {'duplicate', status}
end
redis.call('HINCRBY', KEYS[1], 'callbacks', 1)
if status ~= 'pending' then return {'ignored', status} end
if ARGV[4] == 'pending' then
  redis.call('HSET', KEYS[1], 'updated_at', ARGV[7])
  return {'noted', status}
end
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'partner_txn_id', ARGV[6], 'final_at', ARGV[7],
  'updated_at', ARGV[7])
redis.call('HSET', KEYS[2], redis.call('HGET', KEYS[1], 'payment_id'), ARGV[4])
return {'applied', ARGV[4]}
