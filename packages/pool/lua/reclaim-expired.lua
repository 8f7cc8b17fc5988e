-- reclaim-expired: take this manager's workers whose lease ran out (their taker died) out of the
-- lease set. They stay live; the manager restores the healthy ones and destroys the others.
-- KEYS[1] leases  ZSET
-- ARGV[1] now (ms)   ARGV[2] manager id   ARGV[3] key prefix
-- Returns {{hash field, value, ...}, ...}
local reclaimed = {}
for _, address in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  local hash = ARGV[3] .. 'worker:' .. address
  if redis.call('HGET', hash, 'managerId') == ARGV[2] then
    redis.call('ZREM', KEYS[1], address)
    table.insert(reclaimed, redis.call('HGETALL', hash))
  end
end
return reclaimed
