-- restore: put a reclaimed, healthy worker back at the tail of its list.
-- KEYS[1] retired  SET   KEYS[2] pool:{fn}:{v}  LIST   KEYS[3] worker:{address}  HASH
-- KEYS[4] idle:{manager}  ZSET   KEYS[5] draining  SET
-- ARGV[1] key prefix   ARGV[2] pool key {fn}:{v}   ARGV[3] address   ARGV[4] now (ms)   ARGV[5] manager id
-- Returns: RESTORED=1 back in the list | REFUSED=0 retired, draining or unknown (the caller destroys it)
--- @include "keys"
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then return 0 end
if redis.call('SISMEMBER', KEYS[5], ARGV[5]) == 1 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[3], 'lastUsedAt', ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
redis.call('PUBLISH', names.freed(ARGV[2]), '1')
return 1
