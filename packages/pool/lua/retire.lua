-- retire: close a pool key for good (old version, removed function) and take its idle workers out.
-- KEYS[1] retired  SET   KEYS[2] pool:{fn}:{v}  LIST   KEYS[3] live:{fn}:{v}  SET
-- ARGV[1] pool key ({fn}:{v})   ARGV[2] key prefix   ARGV[3] freed:{fn}:{v} channel (waiters learn it is retired)
-- Returns {{hash field, value, ...}, ...} the idle workers removed, for the caller to destroy
redis.call('SADD', KEYS[1], ARGV[1])
local removed = {}
for _, address in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local hash = ARGV[2] .. 'worker:' .. address
  local fields = redis.call('HGETALL', hash)
  local manager = redis.call('HGET', hash, 'managerId')
  if manager then
    redis.call('ZREM', ARGV[2] .. 'idle:' .. manager, address)
    redis.call('SREM', ARGV[2] .. 'mworkers:' .. manager, address)
  end
  redis.call('SREM', KEYS[3], address)
  redis.call('DEL', hash)
  table.insert(removed, fields)
end
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[3], '1')
return removed
