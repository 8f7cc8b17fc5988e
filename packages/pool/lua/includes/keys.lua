-- The pool's key layout, mirrored from src/redis-keys.ts for the keys a script finds through data
-- (a test checks that both spell every key alike). Every script receives the prefix as ARGV[1].
local names = {
  pool = function(key) return ARGV[1] .. 'pool:' .. key end,
  live = function(key) return ARGV[1] .. 'live:' .. key end,
  starting = function(key) return ARGV[1] .. 'starting:' .. key end,
  freed = function(key) return ARGV[1] .. 'freed:' .. key end,
  worker = function(address) return ARGV[1] .. 'worker:' .. address end,
  idle = function(manager) return ARGV[1] .. 'idle:' .. manager end,
  managerWorkers = function(manager) return ARGV[1] .. 'mworkers:' .. manager end,
}

-- The keys of one worker, found through its hash (nil when the hash is gone), for dropWorker.
local function workerKeys(address, leases)
  local hash = names.worker(address)
  local found = redis.call('HMGET', hash, 'key', 'managerId')
  if not found[1] or not found[2] then return nil end
  return {
    key = found[1], worker = hash, leases = leases,
    pool = names.pool(found[1]), live = names.live(found[1]),
    idle = names.idle(found[2]), managerWorkers = names.managerWorkers(found[2]),
  }
end
