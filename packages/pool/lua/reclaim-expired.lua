-- reclaim-expired: take this manager's workers whose lease ran out (their taker died) out of the
-- lease set. They stay live; the manager restores the healthy ones and destroys the others.
-- KEYS[1] leases  ZSET
-- ARGV[1] key prefix   ARGV[2] now (ms)   ARGV[3] manager id
-- Returns: {{field, value, ...}, ...} the workers reclaimed
--- @include "keys"
local reclaimed = {}
for _, address in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])) do
  local hash = names.worker(address)
  if redis.call('HGET', hash, 'managerId') == ARGV[3] then
    redis.call('ZREM', KEYS[1], address)
    table.insert(reclaimed, redis.call('HGETALL', hash))
  end
end
return reclaimed
