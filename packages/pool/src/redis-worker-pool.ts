import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  poolKeyOf,
  type Acquisition,
  type AcquireOptions,
  type IdleWorker,
  type LiveWorker,
  type WarmOptions,
  type WorkerInfo,
  type WorkerPool,
} from '@nubo/core';
import { FreedSignals } from './freed-signals.js';
import { luaRunner, type LuaRun } from './lua-runner.js';
import { poolUnavailable } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import {
  AcquireReply,
  AdoptIdleReply,
  GiveBackReply,
  RemoveIdleReply,
  ReserveWarmReply,
  RestoreReply,
} from './script-replies.js';
import { fromHashFields, toHashFields, workerFromHashFields } from './worker-hash.js';

/** A taker that dies between reserving a slot and adopting its worker frees the slot after this. */
const startSlotMs = 60_000;

type AcquireRaw = [number, string?, string[]?];

/**
 * The seed's pool on Redis: one LIST per function version (`RPOP` takes the worker given back
 * last, `RPUSH` gives back, empty = cold start), with leases so that a gateway that dies while holding a worker leaks
 * nothing. Every multi-key change is one Lua script from packages/pool/lua/; the key layout is
 * RedisKeys (docs/architecture.md, "Redis keys").
 * The scripts' rule for keys: KEYS[n] are the keys the caller can name before the call — the fixed
 * ones and those of the version, manager or worker the call is about — in the order each header
 * lists them; keys a script finds only through data (a popped worker's hash, a manager's workers'
 * lists) it derives with lua/includes/keys.lua from the prefix, which every script gets as ARGV[1].
 */
export class RedisWorkerPool implements WorkerPool {
  private readonly signals: FreedSignals;
  private readonly keys: RedisKeys;
  private readonly run: LuaRun;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new RedisKeys(prefix);
    this.signals = new FreedSignals(redis, (key) => this.keys.freed(key));
    this.run = luaRunner(redis, prefix);
  }

  private async tryAcquire(key: string, options: AcquireOptions, ticket: string): Promise<AcquireRaw> {
    const now = Date.now();
    const k = this.keys;
    return this.run<AcquireRaw>(
      'acquire',
      [k.pool(key), k.live(key), k.starting(key), k.leases, k.retired],
      [key, now, now + options.leaseMs, options.maxWorkers, ticket, now + startSlotMs],
    );
  }

  /** RPOP under a lease, or a start slot; at maxWorkers it blocks until a script announces a free worker or slot. */
  async acquire(key: string, options: AcquireOptions): Promise<Acquisition> {
    const started = Date.now();
    const ticket = randomUUID();
    let reply = await this.tryAcquire(key, options, ticket);
    if (reply[0] === AcquireReply.FULL && options.waitMs > 0) {
      const waiter = await this.signals.listen(key);
      try {
        for (;;) {
          reply = await this.tryAcquire(key, options, ticket);
          const remaining = started + options.waitMs - Date.now();
          if (reply[0] !== AcquireReply.FULL || remaining <= 0) break;
          await waiter.wait(remaining);
        }
      } finally {
        if (reply[0] === AcquireReply.RETIRED) this.signals.wakeAll(key);
        this.signals.stop(key, waiter);
      }
    }
    const waitedMs = Date.now() - started;
    switch (reply[0]) {
      case AcquireReply.WARM:
        return { kind: 'warm', worker: workerFromHashFields(reply[2]!), waitedMs };
      case AcquireReply.COLD:
        return { kind: 'cold', ticket, waitedMs };
      case AcquireReply.RETIRED:
        return { kind: 'retired', waitedMs };
      default:
        return { kind: 'full', waitedMs };
    }
  }

  async adopt(key: string, ticket: string, worker: WorkerInfo, leaseMs: number): Promise<void> {
    const now = Date.now();
    const k = this.keys;
    await this.run(
      'adopt',
      [k.starting(key), k.live(key), k.leases, k.worker(worker.address), k.managerWorkers(worker.managerId)],
      [ticket, worker.address, now + leaseMs, ...toHashFields(worker, now)],
    );
  }

  async cancelStart(key: string, ticket: string): Promise<void> {
    await this.run('cancel-start', [this.keys.starting(key)], [ticket, key]);
  }

  async reserveWarm(key: string, options: WarmOptions): Promise<string | null> {
    const now = Date.now();
    const ticket = randomUUID();
    const k = this.keys;
    const reply = await this.run<number>(
      'reserve-warm',
      [k.pool(key), k.live(key), k.starting(key), k.retired],
      [key, now, options.minIdle, options.maxWorkers, ticket, now + startSlotMs],
    );
    return reply === ReserveWarmReply.RESERVED ? ticket : null;
  }

  async adoptIdle(key: string, ticket: string, worker: WorkerInfo): Promise<boolean> {
    const now = Date.now();
    const k = this.keys;
    const reply = await this.run<number>(
      'adopt-idle',
      [
        k.starting(key),
        k.live(key),
        k.pool(key),
        k.worker(worker.address),
        k.managerWorkers(worker.managerId),
        k.idle(worker.managerId),
        k.retired,
        k.draining,
      ],
      [ticket, worker.address, now, key, worker.managerId, ...toHashFields(worker, now)],
    );
    return reply === AdoptIdleReply.IDLE;
  }

  async giveBack(worker: WorkerInfo): Promise<boolean> {
    const key = poolKeyOf(worker);
    const k = this.keys;
    const reply = await this.run<number>(
      'give-back',
      [
        k.leases,
        k.retired,
        k.pool(key),
        k.worker(worker.address),
        k.idle(worker.managerId),
        k.live(key),
        k.managerWorkers(worker.managerId),
        k.draining,
      ],
      [worker.address, key, Date.now(), worker.managerId],
    );
    return reply === GiveBackReply.RETURNED;
  }

  async removeIdle(worker: WorkerInfo, keepIdle = 0): Promise<boolean> {
    const key = poolKeyOf(worker);
    const k = this.keys;
    const reply = await this.run<number>(
      'remove-idle',
      [
        k.pool(key),
        k.idle(worker.managerId),
        k.live(key),
        k.worker(worker.address),
        k.managerWorkers(worker.managerId),
        k.leases,
      ],
      [worker.address, keepIdle, key],
    );
    return reply === RemoveIdleReply.REMOVED;
  }

  async forget(worker: WorkerInfo): Promise<void> {
    const key = poolKeyOf(worker);
    const k = this.keys;
    await this.run(
      'forget',
      [
        k.pool(key),
        k.leases,
        k.live(key),
        k.worker(worker.address),
        k.idle(worker.managerId),
        k.managerWorkers(worker.managerId),
      ],
      [worker.address, key],
    );
  }

  async retire(key: string): Promise<WorkerInfo[]> {
    const k = this.keys;
    const removed = await this.run<string[][]>('retire', [k.retired, k.pool(key), k.live(key), k.leases], [key]);
    return removed.map(workerFromHashFields);
  }

  async reclaimExpired(managerId: string, now: number): Promise<WorkerInfo[]> {
    const reclaimed = await this.run<string[][]>('reclaim-expired', [this.keys.leases], [now, managerId]);
    return reclaimed.map(workerFromHashFields);
  }

  async restore(worker: WorkerInfo): Promise<boolean> {
    const key = poolKeyOf(worker);
    const k = this.keys;
    const reply = await this.run<number>(
      'restore',
      [k.retired, k.pool(key), k.worker(worker.address), k.idle(worker.managerId), k.draining],
      [key, worker.address, Date.now(), worker.managerId],
    );
    return reply === RestoreReply.RESTORED;
  }

  async drainManager(managerId: string): Promise<WorkerInfo[]> {
    const k = this.keys;
    const removed = await this.run<string[][]>('drain-manager', [k.draining, k.idle(managerId), k.leases], [managerId]);
    return removed.map(workerFromHashFields);
  }

  async dropManager(managerId: string): Promise<number> {
    const k = this.keys;
    return this.run<number>('drop-manager', [k.managerWorkers(managerId), k.idle(managerId), k.draining, k.leases], [managerId]);
  }

  async freezeIdle(managerId: string, idleSince: number): Promise<WorkerInfo[]> {
    const marked = await this.run<string[][]>('freeze-idle', [this.keys.idle(managerId)], [idleSince]);
    return marked.map(workerFromHashFields);
  }

  /** The workers' hashes, in one round trip; a worker dropped meanwhile is left out. */
  private async readWorkers(addresses: string[]): Promise<IdleWorker[]> {
    if (addresses.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const address of addresses) pipeline.hgetall(this.keys.worker(address));
    const hashes = (await pipeline.exec()) ?? [];
    return hashes
      .map(([, hash]) => hash as Record<string, string>)
      .filter((hash) => hash?.id)
      .map((hash) => {
        const { lastUsedAt, ...worker } = fromHashFields(Object.entries(hash).flat());
        return { worker, lastUsedAt };
      });
  }

  async idleWorkers(managerId: string): Promise<IdleWorker[]> {
    try {
      const workers = await this.readWorkers(await this.redis.zrange(this.keys.idle(managerId), 0, -1));
      return workers.sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async liveWorkers(key: string): Promise<LiveWorker[]> {
    try {
      const [addresses, idle] = await Promise.all([
        this.redis.smembers(this.keys.live(key)),
        this.redis.lrange(this.keys.pool(key), 0, -1),
      ]);
      const idleSet = new Set(idle);
      return (await this.readWorkers(addresses))
        .map(({ worker, lastUsedAt }) => ({ worker, idle: idleSet.has(worker.address), lastUsedAt }))
        .sort((a, b) => a.worker.startedAt - b.worker.startedAt);
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async liveCount(key: string): Promise<number> {
    return this.redis.scard(this.keys.live(key)).catch(poolUnavailable);
  }

  async idleCount(key: string): Promise<number> {
    return this.redis.llen(this.keys.pool(key)).catch(poolUnavailable);
  }

  async close(): Promise<void> {
    this.signals.close();
  }
}
