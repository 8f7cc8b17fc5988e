import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Acquisition, AcquireOptions, IdleWorker, WorkerInfo, WorkerPool } from '@nubo/core';
import { luaScripts, type ScriptName } from './lua-scripts.js';
import { poolUnavailable } from './redis-connection.js';

/** A taker that dies between reserving a slot and adopting its worker frees the slot after this. */
const startSlotMs = 60_000;
/** Poll interval bounds while waiting at maxWorkers. */
const waitStepMs = { min: 5, max: 50 };

const keyOf = (worker: WorkerInfo) => `${worker.functionId}:${worker.version}`;
const commandName = (script: ScriptName) => `nubo_${script.replace(/-/g, '_')}`;

function toHashFields(worker: WorkerInfo, lastUsedAt: number): string[] {
  return [
    'id', worker.id, 'address', worker.address, 'managerId', worker.managerId, 'functionId', worker.functionId,
    'version', String(worker.version), 'idleTtlMs', String(worker.idleTtlMs), 'startedAt', String(worker.startedAt),
    'initMs', String(worker.initMs), 'key', keyOf(worker), 'lastUsedAt', String(lastUsedAt),
  ];
}

function fromHash(flat: string[]): WorkerInfo & { lastUsedAt: number } {
  const h: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return {
    id: h.id!,
    address: h.address!,
    managerId: h.managerId!,
    functionId: h.functionId!,
    version: Number(h.version),
    idleTtlMs: Number(h.idleTtlMs),
    startedAt: Number(h.startedAt),
    initMs: Number(h.initMs),
    lastUsedAt: Number(h.lastUsedAt),
  };
}

const toWorker = (flat: string[]): WorkerInfo => {
  const { lastUsedAt: _ignored, ...worker } = fromHash(flat);
  return worker;
};

/**
 * The seed's pool on Redis: one LIST per function version (`LPOP` takes, `RPUSH` gives back,
 * empty = cold start), with leases so that a gateway that dies while holding a worker leaks
 * nothing. Every multi-key change is one Lua script from packages/pool/lua/.
 * Keys (prefix configurable): pool:{fn}:{v} LIST, live:{fn}:{v} SET, starting:{fn}:{v} ZSET,
 * worker:{address} HASH, leases ZSET, retired SET, idle:{manager} ZSET, mworkers:{manager} SET.
 */
export class RedisWorkerPool implements WorkerPool {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    // defineCommand sends EVALSHA, and the script body only when Redis does not know it yet.
    for (const [name, lua] of Object.entries(luaScripts)) {
      if (!(commandName(name as ScriptName) in redis)) redis.defineCommand(commandName(name as ScriptName), { lua });
    }
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  private async run<T>(script: ScriptName, keys: string[], args: (string | number)[]): Promise<T> {
    try {
      const command = (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[commandName(script)]!;
      return (await command.call(this.redis, keys.length, ...keys, ...args.map(String))) as T;
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async acquire(key: string, options: AcquireOptions): Promise<Acquisition> {
    const started = Date.now();
    let step = waitStepMs.min;
    for (;;) {
      const now = Date.now();
      const ticket = randomUUID();
      const reply = await this.run<[number, string?, string[]?]>(
        'acquire',
        [this.k('pool', key), this.k('leases'), this.k('live', key), this.k('starting', key)],
        [now, now + options.leaseMs, options.maxWorkers, ticket, now + startSlotMs, this.prefix, key],
      );
      const waitedMs = Date.now() - started;
      if (reply[0] === 1) return { kind: 'warm', worker: toWorker(reply[2]!), waitedMs };
      if (reply[0] === 2) return { kind: 'cold', ticket, waitedMs };
      if (reply[0] === 4) return { kind: 'retired', waitedMs };
      const remaining = started + options.waitMs - Date.now();
      if (remaining <= 0) return { kind: 'full', waitedMs };
      await new Promise((resolve) => setTimeout(resolve, Math.min(step, remaining)));
      step = Math.min(step * 2, waitStepMs.max);
    }
  }

  async adopt(key: string, ticket: string, worker: WorkerInfo, leaseMs: number): Promise<void> {
    const now = Date.now();
    await this.run('adopt', [this.k('starting', key), this.k('live', key), this.k('leases'), this.k('worker', worker.address), this.k('mworkers', worker.managerId)], [
      ticket, worker.address, now + leaseMs, ...toHashFields(worker, now),
    ]);
  }

  async cancelStart(key: string, ticket: string): Promise<void> {
    await this.redis.zrem(this.k('starting', key), ticket).catch(poolUnavailable);
  }

  async giveBack(worker: WorkerInfo): Promise<boolean> {
    const key = keyOf(worker);
    const result = await this.run<number>(
      'give-back',
      [this.k('leases'), this.k('retired'), this.k('pool', key), this.k('worker', worker.address), this.k('idle', worker.managerId), this.k('live', key), this.k('mworkers', worker.managerId)],
      [worker.address, key, Date.now()],
    );
    return result === 1;
  }

  async removeIdle(worker: WorkerInfo): Promise<boolean> {
    const key = keyOf(worker);
    const result = await this.run<number>(
      'remove-idle',
      [this.k('pool', key), this.k('idle', worker.managerId), this.k('live', key), this.k('worker', worker.address), this.k('mworkers', worker.managerId)],
      [worker.address],
    );
    return result === 1;
  }

  async forget(worker: WorkerInfo): Promise<void> {
    const key = keyOf(worker);
    await this.run(
      'forget',
      [this.k('pool', key), this.k('leases'), this.k('live', key), this.k('worker', worker.address), this.k('idle', worker.managerId), this.k('mworkers', worker.managerId)],
      [worker.address],
    );
  }

  async retire(key: string): Promise<WorkerInfo[]> {
    const removed = await this.run<string[][]>('retire', [this.k('retired'), this.k('pool', key), this.k('live', key)], [key, this.prefix]);
    return removed.map(toWorker);
  }

  async reclaimExpired(managerId: string, now: number): Promise<WorkerInfo[]> {
    const reclaimed = await this.run<string[][]>('reclaim-expired', [this.k('leases')], [now, managerId, this.prefix]);
    return reclaimed.map(toWorker);
  }

  async restore(worker: WorkerInfo): Promise<boolean> {
    const key = keyOf(worker);
    const result = await this.run<number>('restore', [this.k('retired'), this.k('pool', key), this.k('worker', worker.address), this.k('idle', worker.managerId)], [key, worker.address, Date.now()]);
    return result === 1;
  }

  async dropManager(managerId: string): Promise<number> {
    return this.run<number>('drop-manager', [this.k('mworkers', managerId), this.k('leases'), this.k('idle', managerId)], [this.prefix]);
  }

  async idleWorkers(managerId: string): Promise<IdleWorker[]> {
    try {
      const addresses = await this.redis.zrange(this.k('idle', managerId), 0, -1);
      if (addresses.length === 0) return [];
      const pipeline = this.redis.pipeline();
      for (const address of addresses) pipeline.hgetall(this.k('worker', address));
      const hashes = (await pipeline.exec()) ?? [];
      return hashes
        .map(([, hash]) => hash as Record<string, string>)
        .filter((hash) => hash && hash.id)
        .map((hash) => {
          const { lastUsedAt, ...worker } = fromHash(Object.entries(hash).flat());
          return { worker, lastUsedAt };
        })
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async liveCount(key: string): Promise<number> {
    return this.redis.scard(this.k('live', key)).catch(poolUnavailable);
  }

  /** Idle and leased addresses, for conservation checks: live = idle + leased. */
  async snapshot(key: string): Promise<{ idle: string[]; live: string[]; leased: string[] }> {
    const [idle, live, leased] = await Promise.all([
      this.redis.lrange(this.k('pool', key), 0, -1),
      this.redis.smembers(this.k('live', key)),
      this.redis.zrange(this.k('leases'), 0, -1),
    ]);
    return { idle, live, leased: leased.filter((a) => live.includes(a)) };
  }

  async close(): Promise<void> {}
}
