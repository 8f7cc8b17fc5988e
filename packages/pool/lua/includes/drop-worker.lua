-- Drops every trace of one worker from the pool: its place in its version's list and live set, its
-- lease, its manager's idle and worker sets, and its hash. `k` names those keys (fields pool, live,
-- leases, idle, managerWorkers, worker), from KEYS or from keys.lua's workerKeys.
local function dropWorker(k, address)
  redis.call('LREM', k.pool, 0, address)
  redis.call('SREM', k.live, address)
  redis.call('ZREM', k.leases, address)
  redis.call('ZREM', k.idle, address)
  redis.call('SREM', k.managerWorkers, address)
  redis.call('DEL', k.worker)
end
