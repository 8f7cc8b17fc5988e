-- drain-manager: a stopping manager takes no new work. Its idle workers come out of the pool (the
-- caller destroys them); its busy ones are refused on give-back, so their takers destroy them.
-- KEYS[1] draining  SET   KEYS[2] idle:{manager}  ZSET   KEYS[3] leases  ZSET
-- ARGV[1] key prefix   ARGV[2] manager id
-- Returns: {{field, value, ...}, ...} the idle workers removed
--- @include "keys"
--- @include "drop-worker"
redis.call('SADD', KEYS[1], ARGV[2])
local removed = {}
for _, address in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local k = workerKeys(address, KEYS[3])
  if k and redis.call('LREM', k.pool, 1, address) == 1 then
    table.insert(removed, redis.call('HGETALL', k.worker))
    dropWorker(k, address)
    redis.call('PUBLISH', names.freed(k.key), '1')
  end
end
redis.call('DEL', KEYS[2])
return removed
