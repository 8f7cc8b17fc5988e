-- retire: close a pool key for good (old version, removed function) and take its idle workers out.
-- KEYS[1] retired  SET   KEYS[2] pool:{fn}:{v}  LIST   KEYS[3] live:{fn}:{v}  SET   KEYS[4] leases  ZSET
-- ARGV[1] key prefix   ARGV[2] pool key {fn}:{v}
-- Returns: {{field, value, ...}, ...} the idle workers removed, for the caller to destroy; waiters are
-- told on the freed channel and learn that the key is retired
--- @include "keys"
--- @include "drop-worker"
redis.call('SADD', KEYS[1], ARGV[2])
local addresses = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
local removed = {}
for _, address in ipairs(addresses) do
  local k = workerKeys(address, KEYS[4])
  if k then
    table.insert(removed, redis.call('HGETALL', k.worker))
    dropWorker(k, address)
  else
    redis.call('SREM', KEYS[3], address)
  end
end
redis.call('PUBLISH', names.freed(ARGV[2]), '1')
return removed
