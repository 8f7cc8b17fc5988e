-- restore: put a reclaimed, healthy worker back at the tail of its list.
-- KEYS[1] retired  SET   KEYS[2] pool:{fn}:{v}  LIST   KEYS[3] worker:{address}  HASH
-- KEYS[4] idle:{manager}  ZSET   KEYS[5] draining  SET of managers
-- ARGV[1] pool key ({fn}:{v})   ARGV[2] address   ARGV[3] now (ms)   ARGV[4] manager id
-- ARGV[5] freed:{fn}:{v} channel
-- Returns 1 back in the list | 0 retired, draining or unknown (the caller destroys it)
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('SISMEMBER', KEYS[5], ARGV[4]) == 1 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'lastUsedAt', ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
redis.call('PUBLISH', ARGV[5], '1')
return 1
