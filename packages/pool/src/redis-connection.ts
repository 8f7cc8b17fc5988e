import { Redis, type RedisOptions } from 'ioredis';
import { NuboError, redactUrl, type Logger } from '@nubo/core';

export interface RedisSettings {
  url?: string;
  sentinels?: { host: string; port: number }[];
  masterName?: string;
  password?: string;
}

/** A command waits at most this long for Redis before the call fails with 503. */
export const redisCommandTimeoutMs = 1000;

export function describeRedis(settings: RedisSettings): string {
  return settings.sentinels
    ? `sentinels ${settings.sentinels.map((s) => `${s.host}:${s.port}`).join(',')} (master ${settings.masterName})`
    : redactUrl(settings.url ?? '');
}

/**
 * Connects to Redis (directly or through Sentinel) so that calls fail fast while it is down —
 * no offline queue, a command timeout — and reconnects by itself when it returns.
 */
export async function connectRedis(
  settings: RedisSettings,
  logger: Logger,
  { connectTimeoutMs = 5000, blocking = false } = {},
): Promise<Redis> {
  const common: RedisOptions = {
    // BullMQ's consumers block on Redis and wait out its absence instead of failing (they must).
    ...(blocking
      ? { enableOfflineQueue: true, maxRetriesPerRequest: null }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: redisCommandTimeoutMs }),
    connectTimeout: 2000,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    ...(settings.password ? { password: settings.password } : {}),
  };
  const redis = settings.sentinels
    ? new Redis({
        ...common,
        sentinels: settings.sentinels,
        name: settings.masterName ?? 'nubo-primary',
        sentinelRetryStrategy: (times) => Math.min(50 * times, 1000),
      })
    : new Redis(settings.url ?? 'redis://127.0.0.1:6379', common);
  const where = describeRedis(settings);
  let wasDown = false;
  redis.on('error', (err: Error) => {
    if (!wasDown) logger.error({ err: err.message, redis: where }, 'Redis is unreachable; calls fail with 503 until it returns');
    wasDown = true;
  });
  redis.on('ready', () => {
    if (wasDown) logger.info({ redis: where }, 'Redis is back');
    wasDown = false;
  });
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs).unref(),
      ),
    ]);
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      `Cannot reach Redis at ${where} (${(err as Error).message}): start it (scripts/services/start.sh runs one on 127.0.0.1:6380) or fix NUBO_REDIS_URL / NUBO_REDIS_SENTINELS.`,
    );
  }
  return redis;
}

/** Any failure talking to Redis becomes a 503 that says what is wrong. */
export function poolUnavailable(err: unknown): never {
  if (err instanceof NuboError) throw err;
  throw new NuboError(
    'NUBO_ERR_POOL_UNAVAILABLE',
    `The worker pool (Redis) is unavailable: ${(err as Error).message}. Retry shortly; the operator should check Redis.`,
  );
}
