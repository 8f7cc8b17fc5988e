import { Redis } from 'ioredis';
import { RedisKeys } from '@nubo/pool';

/** A worker's secret as the Redis pool keeps it for the gateways (its `worker:{address}` hash). */
export async function poolWorkerSecret(redisUrl: string, prefix: string, address: string): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    const secret = await redis.hget(new RedisKeys(prefix).worker(address), 'secret');
    if (!secret) throw new Error(`the pool knows no worker at ${address}`);
    return secret;
  } finally {
    redis.disconnect();
  }
}
