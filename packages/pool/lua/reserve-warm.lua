-- reserve-warm: reserve a start slot for a prewarmed worker while the key has fewer idle (plus
-- starting) workers than its minWarm and fewer live (plus starting) than its maxWorkers.
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] live:{fn}:{v}  SET   KEYS[3] starting:{fn}:{v}  ZSET
-- KEYS[4] retired  SET
-- ARGV[1] now (ms)   ARGV[2] min idle   ARGV[3] max workers   ARGV[4] ticket   ARGV[5] slot deadline (ms)
-- ARGV[6] pool key ({fn}:{v})
-- Returns 1 reserved | 0 enough workers, or the key is retired
if redis.call('SISMEMBER', KEYS[4], ARGV[6]) == 1 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
local starting = redis.call('ZCARD', KEYS[3])
if redis.call('LLEN', KEYS[1]) + starting >= tonumber(ARGV[2]) then return 0 end
if redis.call('SCARD', KEYS[2]) + starting >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
return 1
