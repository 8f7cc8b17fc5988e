import type { Redis } from 'ioredis';
import { RedisKeys } from '@nubo/pool';

/** Reads the Redis pool's state for conservation checks (live = idle + leased), through its key map. */
export class PoolInspector {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  async snapshot(key: string): Promise<{ idle: string[]; live: string[]; leased: string[] }> {
    const [idle, live, leased] = await Promise.all([
      this.redis.lrange(this.keys.pool(key), 0, -1),
      this.redis.smembers(this.keys.live(key)),
      this.redis.zrange(this.keys.leases, 0, -1),
    ]);
    return { idle, live, leased: leased.filter((a) => live.includes(a)) };
  }
}
