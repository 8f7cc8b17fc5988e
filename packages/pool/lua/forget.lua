-- forget: drop every trace of a worker its holder has destroyed (frees its slot).
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] leases  ZSET   KEYS[3] live:{fn}:{v}  SET
-- KEYS[4] worker:{address}  HASH   KEYS[5] idle:{manager}  ZSET   KEYS[6] mworkers:{manager}  SET
-- ARGV[1] address   ARGV[2] freed:{fn}:{v} channel
-- Returns 1
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('SREM', KEYS[6], ARGV[1])
redis.call('PUBLISH', ARGV[2], '1')
return 1
