import type { Redis } from 'ioredis';
import type { ManagerRecord, ManagerRegistry } from '@nubo/core';
import { poolUnavailable } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

/**
 * Managers announce themselves in one Redis HASH (`managers`: id → record) and refresh their
 * heartbeat; a record whose heartbeat is older than the TTL belongs to a dead manager.
 */
export class RedisManagerRegistry implements ManagerRegistry {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly ttlMs: number,
  ) {
    this.key = new RedisKeys(prefix).managers;
  }

  async heartbeat(record: Omit<ManagerRecord, 'heartbeatAt'>): Promise<void> {
    const full: ManagerRecord = { ...record, heartbeatAt: Date.now() };
    await this.redis.hset(this.key, record.id, JSON.stringify(full)).catch(poolUnavailable);
  }

  async deregister(id: string): Promise<void> {
    await this.redis.hdel(this.key, id).catch(poolUnavailable);
  }

  async all(): Promise<ManagerRecord[]> {
    const entries = await this.redis.hgetall(this.key).catch(poolUnavailable);
    return Object.values(entries).map((json) => JSON.parse(json) as ManagerRecord);
  }

  async alive(now = Date.now()): Promise<ManagerRecord[]> {
    return (await this.all()).filter((m) => now - m.heartbeatAt <= this.ttlMs);
  }

  async dead(now = Date.now()): Promise<ManagerRecord[]> {
    return (await this.all()).filter((m) => now - m.heartbeatAt > this.ttlMs);
  }
}
