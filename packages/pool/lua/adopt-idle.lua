-- adopt-idle: register a prewarmed worker as live and idle (at the tail of its list); consumes the slot.
-- KEYS[1] starting:{fn}:{v}  ZSET   KEYS[2] live:{fn}:{v}  SET   KEYS[3] pool:{fn}:{v}  LIST
-- KEYS[4] worker:{address}  HASH   KEYS[5] mworkers:{manager}  SET   KEYS[6] idle:{manager}  ZSET
-- KEYS[7] retired  SET   KEYS[8] draining  SET
-- ARGV[1] key prefix   ARGV[2] ticket   ARGV[3] address   ARGV[4] now (ms)   ARGV[5] pool key {fn}:{v}
-- ARGV[6] manager id   ARGV[7..] hash field, value pairs
-- Returns: IDLE=1 idle in the list | REFUSED=0 the key was retired or the manager is draining (the caller destroys it)
--- @include "keys"
redis.call('ZREM', KEYS[1], ARGV[2])
if redis.call('SISMEMBER', KEYS[7], ARGV[5]) == 1 or redis.call('SISMEMBER', KEYS[8], ARGV[6]) == 1 then
  redis.call('PUBLISH', names.freed(ARGV[5]), '1')
  return 0
end
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[4], unpack(ARGV, 7))
redis.call('SADD', KEYS[5], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[3])
redis.call('PUBLISH', names.freed(ARGV[5]), '1')
return 1
