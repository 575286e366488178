-- Per-citizen rate limit: GCRA (generic cell rate algorithm), the token bucket kept as one number.
-- The key holds the theoretical arrival time (TAT) in microseconds of Redis' own clock, so every app
-- node shares one clock; it expires once the bucket would be full again, so idle citizens cost nothing.
-- KEYS[1] the citizen's rate-limit key
-- ARGV[1] emission interval in whole microseconds (1e6 / rate)   ARGV[2] burst (requests)
-- Returns {allowed (1|0), retry_after_us, remaining requests in the burst}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, allow_at - now, 0}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, 0, math.floor((now - allow_at) / interval)}
