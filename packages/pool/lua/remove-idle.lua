-- remove-idle: take an idle worker out of the pool for good (reaper, dead worker, eviction). LREM = 1
-- means it was idle, so nobody holds it and it may be destroyed.
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] idle:{manager}  ZSET   KEYS[3] live:{fn}:{v}  SET
-- KEYS[4] worker:{address}  HASH   KEYS[5] mworkers:{manager}  SET   KEYS[6] leases  ZSET
-- ARGV[1] key prefix   ARGV[2] address   ARGV[3] idle workers to keep (the function's minWarm; 0 for a dead worker)
-- ARGV[4] pool key {fn}:{v}
-- Returns: REMOVED=1 out of the pool | KEPT=0 not idle (leased, or already gone), or the list is down to the ones to keep
--- @include "keys"
--- @include "drop-worker"
if redis.call('LLEN', KEYS[1]) <= tonumber(ARGV[3]) then return 0 end
if redis.call('LREM', KEYS[1], 1, ARGV[2]) == 0 then return 0 end
dropWorker({ pool = KEYS[1], idle = KEYS[2], live = KEYS[3], worker = KEYS[4], managerWorkers = KEYS[5], leases = KEYS[6] }, ARGV[2])
redis.call('PUBLISH', names.freed(ARGV[4]), '1')
return 1
