-- remove-idle: take an idle worker out of the pool for good (reaper, dead worker). LREM = 1 means
-- it was idle, so nobody holds it and it may be destroyed.
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] idle:{manager}  ZSET   KEYS[3] live:{fn}:{v}  SET
-- KEYS[4] worker:{address}  HASH   KEYS[5] mworkers:{manager}  SET
-- ARGV[1] address
-- Returns 1 removed | 0 not idle (leased, or already gone)
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
redis.call('DEL', KEYS[4])
return 1
