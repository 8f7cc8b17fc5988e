export { MemoryWorkerPool } from './memory-worker-pool.js';
export { RedisWorkerPool } from './redis-worker-pool.js';
export { RedisManagerRegistry } from './redis-manager-registry.js';
export { connectRedis, describeRedis, redisCommandTimeoutMs, type RedisSettings } from './redis-connection.js';
