import type { Redis } from 'ioredis';
import type { GatewayRecord, GatewayRegistry } from '@nubo/core';
import { poolUnavailable } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

const byStart = (a: GatewayRecord, b: GatewayRecord) => a.startedAt - b.startedAt || a.id.localeCompare(b.id);

/** One process's gateways (embedded mode: the one gateway). */
export class MemoryGatewayRegistry implements GatewayRegistry {
  private readonly records = new Map<string, GatewayRecord>();

  constructor(readonly ttlMs: number) {}

  async heartbeat(record: Omit<GatewayRecord, 'heartbeatAt'>): Promise<void> {
    this.records.set(record.id, { ...record, heartbeatAt: Date.now() });
  }

  async deregister(id: string): Promise<void> {
    this.records.delete(id);
  }

  async alive(now = Date.now()): Promise<GatewayRecord[]> {
    return [...this.records.values()].filter((g) => now - g.heartbeatAt <= this.ttlMs).sort(byStart);
  }
}

/**
 * Gateways in one Redis HASH (`gateways`: id → JSON record); a record past the TTL is a gateway
 * that stopped without saying so, and is removed by the next reader.
 */
export class RedisGatewayRegistry implements GatewayRegistry {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly ttlMs: number,
  ) {
    this.key = new RedisKeys(prefix).gateways;
  }

  async heartbeat(record: Omit<GatewayRecord, 'heartbeatAt'>): Promise<void> {
    const full: GatewayRecord = { ...record, heartbeatAt: Date.now() };
    await this.redis.hset(this.key, record.id, JSON.stringify(full)).catch(poolUnavailable);
  }

  async deregister(id: string): Promise<void> {
    await this.redis.hdel(this.key, id).catch(poolUnavailable);
  }

  async alive(now = Date.now()): Promise<GatewayRecord[]> {
    const records = Object.values(await this.redis.hgetall(this.key).catch(poolUnavailable)).map(
      (json) => JSON.parse(json) as GatewayRecord,
    );
    const gone = records.filter((g) => now - g.heartbeatAt > this.ttlMs);
    if (gone.length > 0) await this.redis.hdel(this.key, ...gone.map((g) => g.id)).catch(poolUnavailable);
    return records.filter((g) => now - g.heartbeatAt <= this.ttlMs).sort(byStart);
  }
}
