-- cancel-start: free the start slot of a cold start that failed.
-- KEYS[1] starting:{fn}:{v}  ZSET
-- ARGV[1] ticket   ARGV[2] freed:{fn}:{v} channel
-- Returns 1
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], '1')
return 1
