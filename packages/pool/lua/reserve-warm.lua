-- reserve-warm: reserve a start slot for a prewarmed worker while the key has fewer idle (plus
-- starting) workers than its minWarm and fewer live (plus starting) than its maxWorkers.
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] live:{fn}:{v}  SET   KEYS[3] starting:{fn}:{v}  ZSET   KEYS[4] retired  SET
-- ARGV[1] key prefix   ARGV[2] pool key {fn}:{v}   ARGV[3] now (ms)   ARGV[4] min idle   ARGV[5] max workers
-- ARGV[6] ticket   ARGV[7] slot deadline (ms)
-- Returns: RESERVED=1 a slot for the ticket | ENOUGH=0 enough workers, or the key is retired
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
local starting = redis.call('ZCARD', KEYS[3])
if redis.call('LLEN', KEYS[1]) + starting >= tonumber(ARGV[4]) then return 0 end
if redis.call('SCARD', KEYS[2]) + starting >= tonumber(ARGV[5]) then return 0 end
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[6])
return 1
