-- drain-manager: a stopping manager takes no new work. Its idle workers come out of the pool (the
-- caller destroys them); its busy ones are refused on give-back, so their takers destroy them.
-- KEYS[1] draining  SET   KEYS[2] idle:{manager}  ZSET   KEYS[3] mworkers:{manager}  SET
-- ARGV[1] manager id   ARGV[2] key prefix
-- Returns {{hash field, value, ...}, ...} the idle workers removed
redis.call('SADD', KEYS[1], ARGV[1])
local removed = {}
for _, address in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local hash = ARGV[2] .. 'worker:' .. address
  local key = redis.call('HGET', hash, 'key')
  if key and redis.call('LREM', ARGV[2] .. 'pool:' .. key, 1, address) == 1 then
    table.insert(removed, redis.call('HGETALL', hash))
    redis.call('SREM', ARGV[2] .. 'live:' .. key, address)
    redis.call('SREM', KEYS[3], address)
    redis.call('DEL', hash)
    redis.call('PUBLISH', ARGV[2] .. 'freed:' .. key, '1')
  end
end
redis.call('DEL', KEYS[2])
return removed
