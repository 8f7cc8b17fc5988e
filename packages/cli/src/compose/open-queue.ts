import { join, resolve } from 'node:path';
import type { InvocationQueue, Logger, QueueSettings, ServerConfig } from '@nubo/core';
import { connectRedis, RedisInvocationQueue } from '@nubo/pool';
import { SqliteInvocationQueue } from '@nubo/stores';
import { redisSettingsOf, type OpenedPool } from './open-pool.js';

export interface OpenedQueue {
  queue: InvocationQueue;
  kind: 'sqlite' | 'redis';
  /** Closes the queue (if the gateway has not) and its own connections. */
  close(): Promise<void>;
}

export function queueSettings(config: ServerConfig): QueueSettings {
  return {
    retentionMs: config.NUBO_ASYNC_RETENTION_MS,
    deadLetterRetentionMs: config.NUBO_ASYNC_DEAD_LETTER_RETENTION_MS,
    maxResultBytes: config.NUBO_ASYNC_MAX_RESULT_BYTES,
    maxScheduleLagMs: config.NUBO_SCHEDULE_MAX_LAG_MS,
  };
}

/** Says so when Redis would lose accepted events in a crash (no append-only file). */
async function warnWithoutAppendOnly(pool: OpenedPool, logger: Logger): Promise<void> {
  const reply = (await pool.redis!.config('GET', 'appendonly').catch(() => null)) as string[] | null;
  if (reply && reply[1] === 'no')
    logger.warn(
      'Redis runs without appendonly: queued async events are lost if Redis restarts. Set "appendonly yes" (scripts/services/start.sh does).',
    );
}

/** Redis (BullMQ) when the pool is in Redis, else a SQLite file in the data directory. */
export async function openQueue(config: ServerConfig, logger: Logger, pool: OpenedPool): Promise<OpenedQueue> {
  const settings = queueSettings(config);
  if (!pool.redis) {
    const queue = new SqliteInvocationQueue(join(resolve(config.NUBO_DATA_DIR), 'async.db'), settings, logger);
    return { queue, kind: 'sqlite', close: () => queue.close() };
  }
  await warnWithoutAppendOnly(pool, logger);
  const workerConnection = await connectRedis(redisSettingsOf(config), logger, { blocking: true });
  const queue = new RedisInvocationQueue({
    redis: pool.redis,
    workerConnection,
    prefix: config.NUBO_REDIS_PREFIX,
    settings,
    lockMs: config.NUBO_ASYNC_LOCK_MS,
    logger,
  });
  return {
    queue,
    kind: 'redis',
    async close() {
      await queue.close();
      await workerConnection.quit().catch(() => workerConnection.disconnect());
    },
  };
}
