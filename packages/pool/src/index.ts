export { MemoryWorkerPool } from './memory-worker-pool.js';
export { RedisWorkerPool } from './redis-worker-pool.js';
export { RedisManagerRegistry } from './redis-manager-registry.js';
export { MemoryGatewayRegistry, RedisGatewayRegistry } from './gateway-registries.js';
export { RedisKeys } from './redis-keys.js';
export { expandIncludes, luaScripts, scriptHeader, scriptNames, type ScriptName } from './lua-scripts.js';
export { scriptReplies } from './script-replies.js';
export { connectRedis, describeRedis, redisCommandTimeoutMs, type RedisSettings } from './redis-connection.js';
export { RedisInvocationQueue, type RedisQueueOptions } from './redis-invocation-queue.js';
