-- drop-manager: remove every worker of a manager that is gone (its heartbeat expired, or it stopped).
-- KEYS[1] mworkers:{manager}  SET   KEYS[2] idle:{manager}  ZSET   KEYS[3] draining  SET   KEYS[4] leases  ZSET
-- ARGV[1] key prefix   ARGV[2] manager id
-- Returns: the number of workers dropped
--- @include "keys"
--- @include "drop-worker"
local dropped = 0
for _, address in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local k = workerKeys(address, KEYS[4])
  if k then
    dropWorker(k, address)
    redis.call('PUBLISH', names.freed(k.key), '1')
  else
    redis.call('ZREM', KEYS[4], address)
  end
  dropped = dropped + 1
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
return dropped
