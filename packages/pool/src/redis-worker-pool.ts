import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Acquisition, AcquireOptions, IdleWorker, WarmOptions, WorkerInfo, WorkerPool } from '@nubo/core';
import { FreedSignals } from './freed-signals.js';
import { luaScripts, type ScriptName } from './lua-scripts.js';
import { poolUnavailable } from './redis-connection.js';

/** A taker that dies between reserving a slot and adopting its worker frees the slot after this. */
const startSlotMs = 60_000;

const keyOf = (worker: WorkerInfo) => `${worker.functionId}:${worker.version}`;
const commandName = (script: ScriptName) => `nubo_${script.replace(/-/g, '_')}`;

function toHashFields(worker: WorkerInfo, lastUsedAt: number): string[] {
  return [
    'id',
    worker.id,
    'address',
    worker.address,
    'managerId',
    worker.managerId,
    'functionId',
    worker.functionId,
    'version',
    String(worker.version),
    'idleTtlMs',
    String(worker.idleTtlMs),
    'minWarm',
    String(worker.minWarm),
    'startedAt',
    String(worker.startedAt),
    'initMs',
    String(worker.initMs),
    'key',
    keyOf(worker),
    'lastUsedAt',
    String(lastUsedAt),
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
    minWarm: Number(h.minWarm ?? 0),
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
 * worker:{address} HASH, leases ZSET, retired SET, idle:{manager} ZSET, mworkers:{manager} SET,
 * draining SET (managers); channel freed:{fn}:{v} tells waiting takers a worker or slot is free.
 */
export class RedisWorkerPool implements WorkerPool {
  private readonly signals: FreedSignals;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.signals = new FreedSignals(redis, (key) => this.k('freed', key));
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
      const command = (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[
        commandName(script)
      ]!;
      return (await command.call(this.redis, keys.length, ...keys, ...args.map(String))) as T;
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  private async tryAcquire(key: string, options: AcquireOptions): Promise<[number, string, string[]?]> {
    const now = Date.now();
    const ticket = randomUUID();
    const reply = await this.run<[number, string?, string[]?]>(
      'acquire',
      [this.k('pool', key), this.k('leases'), this.k('live', key), this.k('starting', key)],
      [now, now + options.leaseMs, options.maxWorkers, ticket, now + startSlotMs, this.prefix, key],
    );
    return [reply[0], ticket, reply[2]];
  }

  /** LPOP under a lease, or a start slot; at maxWorkers it blocks until a script announces a free worker or slot. */
  async acquire(key: string, options: AcquireOptions): Promise<Acquisition> {
    const started = Date.now();
    let reply = await this.tryAcquire(key, options);
    if (reply[0] === 3 && options.waitMs > 0) {
      const waiter = await this.signals.listen(key);
      try {
        for (;;) {
          reply = await this.tryAcquire(key, options);
          const remaining = started + options.waitMs - Date.now();
          if (reply[0] !== 3 || remaining <= 0) break;
          await waiter.wait(remaining);
        }
      } finally {
        if (reply[0] === 4) this.signals.wakeAll(key);
        this.signals.stop(key, waiter);
      }
    }
    const waitedMs = Date.now() - started;
    if (reply[0] === 1) return { kind: 'warm', worker: toWorker(reply[2]!), waitedMs };
    if (reply[0] === 2) return { kind: 'cold', ticket: reply[1], waitedMs };
    if (reply[0] === 4) return { kind: 'retired', waitedMs };
    return { kind: 'full', waitedMs };
  }

  async adopt(key: string, ticket: string, worker: WorkerInfo, leaseMs: number): Promise<void> {
    const now = Date.now();
    await this.run(
      'adopt',
      [
        this.k('starting', key),
        this.k('live', key),
        this.k('leases'),
        this.k('worker', worker.address),
        this.k('mworkers', worker.managerId),
      ],
      [ticket, worker.address, now + leaseMs, ...toHashFields(worker, now)],
    );
  }

  async cancelStart(key: string, ticket: string): Promise<void> {
    await this.run('cancel-start', [this.k('starting', key)], [ticket, this.k('freed', key)]);
  }

  async reserveWarm(key: string, options: WarmOptions): Promise<string | null> {
    const now = Date.now();
    const ticket = randomUUID();
    const reserved = await this.run<number>(
      'reserve-warm',
      [this.k('pool', key), this.k('live', key), this.k('starting', key), this.k('retired')],
      [now, options.minIdle, options.maxWorkers, ticket, now + startSlotMs, key],
    );
    return reserved === 1 ? ticket : null;
  }

  async adoptIdle(key: string, ticket: string, worker: WorkerInfo): Promise<boolean> {
    const now = Date.now();
    const adopted = await this.run<number>(
      'adopt-idle',
      [
        this.k('starting', key),
        this.k('live', key),
        this.k('pool', key),
        this.k('worker', worker.address),
        this.k('mworkers', worker.managerId),
        this.k('idle', worker.managerId),
        this.k('retired'),
        this.k('draining'),
      ],
      [ticket, worker.address, now, key, worker.managerId, this.k('freed', key), ...toHashFields(worker, now)],
    );
    return adopted === 1;
  }

  async giveBack(worker: WorkerInfo): Promise<boolean> {
    const key = keyOf(worker);
    const result = await this.run<number>(
      'give-back',
      [
        this.k('leases'),
        this.k('retired'),
        this.k('pool', key),
        this.k('worker', worker.address),
        this.k('idle', worker.managerId),
        this.k('live', key),
        this.k('mworkers', worker.managerId),
        this.k('draining'),
      ],
      [worker.address, key, Date.now(), worker.managerId, this.k('freed', key)],
    );
    return result === 1;
  }

  async removeIdle(worker: WorkerInfo, keepIdle = 0): Promise<boolean> {
    const key = keyOf(worker);
    const result = await this.run<number>(
      'remove-idle',
      [
        this.k('pool', key),
        this.k('idle', worker.managerId),
        this.k('live', key),
        this.k('worker', worker.address),
        this.k('mworkers', worker.managerId),
      ],
      [worker.address, keepIdle, this.k('freed', key)],
    );
    return result === 1;
  }

  async forget(worker: WorkerInfo): Promise<void> {
    const key = keyOf(worker);
    await this.run(
      'forget',
      [
        this.k('pool', key),
        this.k('leases'),
        this.k('live', key),
        this.k('worker', worker.address),
        this.k('idle', worker.managerId),
        this.k('mworkers', worker.managerId),
      ],
      [worker.address, this.k('freed', key)],
    );
  }

  async retire(key: string): Promise<WorkerInfo[]> {
    const removed = await this.run<string[][]>(
      'retire',
      [this.k('retired'), this.k('pool', key), this.k('live', key)],
      [key, this.prefix, this.k('freed', key)],
    );
    return removed.map(toWorker);
  }

  async reclaimExpired(managerId: string, now: number): Promise<WorkerInfo[]> {
    const reclaimed = await this.run<string[][]>('reclaim-expired', [this.k('leases')], [now, managerId, this.prefix]);
    return reclaimed.map(toWorker);
  }

  async restore(worker: WorkerInfo): Promise<boolean> {
    const key = keyOf(worker);
    const result = await this.run<number>(
      'restore',
      [
        this.k('retired'),
        this.k('pool', key),
        this.k('worker', worker.address),
        this.k('idle', worker.managerId),
        this.k('draining'),
      ],
      [key, worker.address, Date.now(), worker.managerId, this.k('freed', key)],
    );
    return result === 1;
  }

  async drainManager(managerId: string): Promise<WorkerInfo[]> {
    const removed = await this.run<string[][]>(
      'drain-manager',
      [this.k('draining'), this.k('idle', managerId), this.k('mworkers', managerId)],
      [managerId, this.prefix],
    );
    return removed.map(toWorker);
  }

  async dropManager(managerId: string): Promise<number> {
    return this.run<number>(
      'drop-manager',
      [this.k('mworkers', managerId), this.k('leases'), this.k('idle', managerId), this.k('draining')],
      [this.prefix, managerId],
    );
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
        .filter((hash) => hash?.id)
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

  async close(): Promise<void> {
    this.signals.close();
  }
}
