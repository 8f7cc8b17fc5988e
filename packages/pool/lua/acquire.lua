-- acquire: take an idle worker under a lease, or reserve a cold-start slot. It takes the list's tail
-- (RPOP), the worker given back last: the seed's LPOP took the head, cycling through every idle
-- worker, whose caches were then cold on each call (measured in BENCHMARKS.md).
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] live:{fn}:{v}  SET   KEYS[3] starting:{fn}:{v}  ZSET ticket -> slot deadline
-- KEYS[4] leases  ZSET   KEYS[5] retired  SET
-- ARGV[1] key prefix   ARGV[2] pool key {fn}:{v}   ARGV[3] now (ms)   ARGV[4] lease deadline (ms)
-- ARGV[5] max workers   ARGV[6] ticket   ARGV[7] slot deadline (ms)
-- Returns: WARM=1 {1, address, {field, value, ...}} leased to the caller (`frozen` among the fields when its manager
-- froze it while idle: the caller has it thawed; the mark goes with the take) | COLD=2 {2} a start slot is
-- reserved for the ticket | FULL=3 {3} at max workers | RETIRED=4 {4} an old version or a removed function
--- @include "keys"
if redis.call('SISMEMBER', KEYS[5], ARGV[2]) == 1 then return {4} end
local address = redis.call('RPOP', KEYS[1])
if address then
  redis.call('ZADD', KEYS[4], ARGV[4], address)
  local hash = names.worker(address)
  local manager = redis.call('HGET', hash, 'managerId')
  if manager then redis.call('ZREM', names.idle(manager), address) end
  local fields = redis.call('HGETALL', hash)
  redis.call('HDEL', hash, 'frozen')
  return {1, address, fields}
end
-- Slots of takers that died before adopting their worker expire.
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
if redis.call('SCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) < tonumber(ARGV[5]) then
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[6])
  return {2}
end
return {3}
