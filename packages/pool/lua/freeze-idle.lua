-- freeze-idle: mark a manager's workers idle since a time or longer as frozen, each once; their manager
-- then freezes them, and the next take (acquire) answers the mark, so its taker has the worker thawed first.
-- KEYS[1] idle:{manager}  ZSET address -> last use (ms)
-- ARGV[1] key prefix   ARGV[2] idle since (ms)
-- Returns: the newly marked workers' hashes {{field, value, ...}, ...}
--- @include "keys"
local marked = {}
for _, address in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])) do
  local hash = names.worker(address)
  if redis.call('EXISTS', hash) == 1 and redis.call('HSETNX', hash, 'frozen', '1') == 1 then
    table.insert(marked, redis.call('HGETALL', hash))
  end
end
return marked
