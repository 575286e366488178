-- Give up on an outbox entry: copy it to the partition's dead-letter stream with the reason, then
-- acknowledge and drop it. Only while it is still pending: when another forwarder delivered it in the
-- meantime, nothing is dead-lettered.
-- KEYS[1] outbox stream   KEYS[2] dead-letter stream
-- ARGV[1] consumer group   ARGV[2] entry id   ARGV[3..] field/value pairs of the dead letter
-- Returns 1 when the entry was dead-lettered, 0 when it was no longer pending.
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then redis.call('XADD', KEYS[2], '*', 'entry_id', ARGV[2], unpack(ARGV, 3)) end
redis.call('XDEL', KEYS[1], ARGV[2])
return acked
