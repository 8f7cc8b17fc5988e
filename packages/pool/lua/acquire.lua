-- acquire: take an idle worker (the seed's LPOP) under a lease, or reserve a cold-start slot.
-- KEYS[1] pool:{fn}:{v}      LIST  idle worker addresses
-- KEYS[2] leases             ZSET  address -> lease deadline (ms)
-- KEYS[3] live:{fn}:{v}      SET   addresses of every live worker of this key
-- KEYS[4] starting:{fn}:{v}  ZSET  start ticket -> slot deadline (ms)
-- ARGV[1] now (ms)   ARGV[2] lease deadline (ms)   ARGV[3] max workers
-- ARGV[4] ticket     ARGV[5] slot deadline (ms)    ARGV[6] key prefix   ARGV[7] pool key ({fn}:{v})
-- Returns {1, address, {hash field, value, ...}} warm | {2} slot reserved (cold start) | {3} full
--         | {4} retired (an old version or a removed function: the caller looks it up again)
if redis.call('SISMEMBER', ARGV[6] .. 'retired', ARGV[7]) == 1 then return {4} end
local address = redis.call('LPOP', KEYS[1])
if address then
  redis.call('ZADD', KEYS[2], ARGV[2], address)
  local hash = ARGV[6] .. 'worker:' .. address
  local manager = redis.call('HGET', hash, 'managerId')
  if manager then redis.call('ZREM', ARGV[6] .. 'idle:' .. manager, address) end
  return {1, address, redis.call('HGETALL', hash)}
end
-- Slots of takers that died before adopting their worker expire.
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[1])
if redis.call('SCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[4])
  return {2}
end
return {3}
