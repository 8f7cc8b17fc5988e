-- remove-idle: take an idle worker out of the pool for good (reaper, dead worker). LREM = 1 means
-- it was idle, so nobody holds it and it may be destroyed.
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] idle:{manager}  ZSET   KEYS[3] live:{fn}:{v}  SET
-- KEYS[4] worker:{address}  HASH   KEYS[5] mworkers:{manager}  SET
-- ARGV[1] address   ARGV[2] idle workers to keep (the function's minWarm; 0 for a dead worker)
-- ARGV[3] freed:{fn}:{v} channel
-- Returns 1 removed | 0 not idle (leased, or already gone), or the list is down to the ones to keep
if redis.call('LLEN', KEYS[1]) <= tonumber(ARGV[2]) then return 0 end
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('PUBLISH', ARGV[3], '1')
return 1
