import type { Redis } from 'ioredis';
import {
  NuboError,
  type GatewayRegistry,
  type Logger,
  type ManagerRegistry,
  type ServerConfig,
  type WorkerPool,
} from '@nubo/core';
import {
  MemoryGatewayRegistry,
  MemoryWorkerPool,
  RedisGatewayRegistry,
  RedisManagerRegistry,
  RedisWorkerPool,
  connectRedis,
  type RedisSettings,
} from '@nubo/pool';

export interface OpenedPool {
  pool: WorkerPool;
  kind: 'memory' | 'redis';
  registry?: ManagerRegistry;
  /** Where gateways announce themselves (in memory without Redis). */
  gateways: GatewayRegistry;
  /** The pool's connection (Redis only), shared by the async queue. */
  redis?: Redis;
  close(): Promise<void>;
}

export function usesRedis(config: ServerConfig): boolean {
  return Boolean(config.NUBO_REDIS_URL || config.NUBO_REDIS_SENTINELS);
}

/** Where Redis is, from NUBO_REDIS_URL or the Sentinel variables. */
export function redisSettingsOf(config: ServerConfig): RedisSettings {
  return {
    ...(config.NUBO_REDIS_URL ? { url: config.NUBO_REDIS_URL } : {}),
    ...(config.NUBO_REDIS_SENTINELS ? { sentinels: config.NUBO_REDIS_SENTINELS, masterName: config.NUBO_REDIS_MASTER } : {}),
    ...(config.NUBO_REDIS_PASSWORD ? { password: config.NUBO_REDIS_PASSWORD } : {}),
  };
}

/** The Redis pool (and manager registry) when Redis is configured, else the in-memory pool. */
export async function openPool(config: ServerConfig, logger: Logger): Promise<OpenedPool> {
  if (!usesRedis(config)) {
    const pool = new MemoryWorkerPool();
    return { pool, kind: 'memory', gateways: new MemoryGatewayRegistry(config.NUBO_MANAGER_TTL_MS), close: () => pool.close() };
  }
  const redis: Redis = await connectRedis(redisSettingsOf(config), logger);
  const pool = new RedisWorkerPool(redis, config.NUBO_REDIS_PREFIX);
  return {
    pool,
    kind: 'redis',
    redis,
    registry: new RedisManagerRegistry(redis, config.NUBO_REDIS_PREFIX, config.NUBO_MANAGER_TTL_MS),
    gateways: new RedisGatewayRegistry(redis, config.NUBO_REDIS_PREFIX, config.NUBO_MANAGER_TTL_MS),
    async close() {
      await pool.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Distributed processes cannot run without Redis and the cluster token. */
export function requireCluster(config: ServerConfig, role: string): { token: string } {
  if (!usesRedis(config))
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      `nubo ${role} needs Redis: set NUBO_REDIS_URL (or NUBO_REDIS_SENTINELS and NUBO_REDIS_MASTER).`,
    );
  if (!config.NUBO_CLUSTER_TOKEN)
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      `nubo ${role} needs NUBO_CLUSTER_TOKEN: the same secret (16+ characters) on every gateway and manager.`,
    );
  return { token: config.NUBO_CLUSTER_TOKEN };
}
