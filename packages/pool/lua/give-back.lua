-- give-back: end a lease and put the worker at the tail of its list (the seed's RPUSH), where the next take looks.
-- KEYS[1] leases  ZSET   KEYS[2] retired  SET   KEYS[3] pool:{fn}:{v}  LIST   KEYS[4] worker:{address}  HASH
-- KEYS[5] idle:{manager}  ZSET address -> last use (ms)   KEYS[6] live:{fn}:{v}  SET   KEYS[7] mworkers:{manager}  SET
-- KEYS[8] draining  SET
-- ARGV[1] key prefix   ARGV[2] address   ARGV[3] pool key {fn}:{v}   ARGV[4] now (ms)   ARGV[5] manager id
-- Returns: RETURNED=1 back in the list | NOT_LEASED=0 not leased (reclaimed or unknown) | REFUSED=-1 its version
-- is retired or its manager draining: removed, the caller destroys the worker
--- @include "keys"
--- @include "drop-worker"
if redis.call('ZREM', KEYS[1], ARGV[2]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 or redis.call('SISMEMBER', KEYS[8], ARGV[5]) == 1 then
  dropWorker({ pool = KEYS[3], leases = KEYS[1], live = KEYS[6], worker = KEYS[4], idle = KEYS[5], managerWorkers = KEYS[7] }, ARGV[2])
  redis.call('PUBLISH', names.freed(ARGV[3]), '1')
  return -1
end
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('HSET', KEYS[4], 'lastUsedAt', ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[2])
redis.call('PUBLISH', names.freed(ARGV[3]), '1')
return 1
