-- forget: drop every trace of a worker its holder has destroyed (frees its slot).
-- KEYS[1] pool:{fn}:{v}  LIST   KEYS[2] leases  ZSET   KEYS[3] live:{fn}:{v}  SET
-- KEYS[4] worker:{address}  HASH   KEYS[5] idle:{manager}  ZSET   KEYS[6] mworkers:{manager}  SET
-- ARGV[1] key prefix   ARGV[2] address   ARGV[3] pool key {fn}:{v}
-- Returns: 1
--- @include "keys"
--- @include "drop-worker"
dropWorker({ pool = KEYS[1], leases = KEYS[2], live = KEYS[3], worker = KEYS[4], idle = KEYS[5], managerWorkers = KEYS[6] }, ARGV[2])
redis.call('PUBLISH', names.freed(ARGV[3]), '1')
return 1
