-- cancel-start: free the start slot of a cold start that failed.
-- KEYS[1] starting:{fn}:{v}  ZSET
-- ARGV[1] key prefix   ARGV[2] ticket   ARGV[3] pool key {fn}:{v}
-- Returns: 1
--- @include "keys"
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('PUBLISH', names.freed(ARGV[3]), '1')
return 1
