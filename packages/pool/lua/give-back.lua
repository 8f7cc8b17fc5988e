-- give-back: end a lease and put the worker at the tail of its list (the seed's RPUSH).
-- KEYS[1] leases  ZSET   KEYS[2] retired  SET of retired pool keys   KEYS[3] pool:{fn}:{v}  LIST
-- KEYS[4] worker:{address}  HASH   KEYS[5] idle:{manager}  ZSET address -> last use (ms)
-- KEYS[6] live:{fn}:{v}  SET   KEYS[7] mworkers:{manager}  SET   KEYS[8] draining  SET of managers
-- ARGV[1] address   ARGV[2] pool key ({fn}:{v})   ARGV[3] now (ms)   ARGV[4] manager id
-- ARGV[5] freed:{fn}:{v} channel, told that a worker or a slot is free for a waiting taker
-- Returns 1 back in the list | 0 not leased (reclaimed or unknown) | -1 version retired or its
-- manager draining: removed, the caller destroys the worker
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 or redis.call('SISMEMBER', KEYS[8], ARGV[4]) == 1 then
  redis.call('SREM', KEYS[6], ARGV[1])
  redis.call('SREM', KEYS[7], ARGV[1])
  redis.call('DEL', KEYS[4])
  redis.call('PUBLISH', ARGV[5], '1')
  return -1
end
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[4], 'lastUsedAt', ARGV[3])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
redis.call('PUBLISH', ARGV[5], '1')
return 1
