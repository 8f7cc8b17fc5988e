-- drop-manager: remove every worker of a manager that is gone (its heartbeat expired, or it stopped).
-- KEYS[1] mworkers:{manager}  SET   KEYS[2] leases  ZSET   KEYS[3] idle:{manager}  ZSET
-- KEYS[4] draining  SET of managers
-- ARGV[1] key prefix   ARGV[2] manager id
-- Returns the number of workers dropped
local dropped = 0
for _, address in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local hash = ARGV[1] .. 'worker:' .. address
  local key = redis.call('HGET', hash, 'key')
  if key then
    redis.call('LREM', ARGV[1] .. 'pool:' .. key, 0, address)
    redis.call('SREM', ARGV[1] .. 'live:' .. key, address)
    redis.call('PUBLISH', ARGV[1] .. 'freed:' .. key, '1')
  end
  redis.call('ZREM', KEYS[2], address)
  redis.call('DEL', hash)
  dropped = dropped + 1
end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('SREM', KEYS[4], ARGV[2])
return dropped
