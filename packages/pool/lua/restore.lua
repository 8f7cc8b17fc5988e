-- restore: put a reclaimed, healthy worker back at the tail of its list.
-- KEYS[1] retired  SET   KEYS[2] pool:{fn}:{v}  LIST   KEYS[3] worker:{address}  HASH
-- KEYS[4] idle:{manager}  ZSET
-- ARGV[1] pool key ({fn}:{v})   ARGV[2] address   ARGV[3] now (ms)
-- Returns 1 back in the list | 0 retired or unknown (the caller destroys it)
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'lastUsedAt', ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
return 1
