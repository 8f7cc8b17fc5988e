import { randomUUID } from 'node:crypto';
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

interface KeyState {
  idle: WorkerInfo[];
  leased: Map<string, { worker: WorkerInfo; deadline: number }>;
  starting: Set<string>;
  /** Callers blocked at maxWorkers, woken when a worker comes back or a slot frees. */
  waiters: Set<() => void>;
}

/**
 * The embedded WorkerPool: the seed's list-per-function semantics in one process. JavaScript runs
 * one callback at a time, so each method body is atomic just like a Redis Lua script.
 */
export class MemoryWorkerPool implements WorkerPool {
  private readonly keys = new Map<string, KeyState>();
  private readonly retired = new Set<string>();
  private readonly draining = new Set<string>();
  private readonly lastUsed = new Map<string, number>();
  /** Idle workers marked frozen (by id); a take answers and clears the mark. */
  private readonly frozen = new Set<string>();

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { idle: [], leased: new Map(), starting: new Set(), waiters: new Set() };
      this.keys.set(key, state);
    }
    return state;
  }

  /** One worker or slot came free: it can serve one waiter, the one waiting longest. */
  private wakeOne(state: KeyState): void {
    const [first] = state.waiters;
    if (!first) return;
    state.waiters.delete(first);
    first();
  }

  /** The key was retired or a manager's workers went: every waiter looks again. */
  private wakeAll(state: KeyState): void {
    const waiters = [...state.waiters];
    state.waiters.clear();
    for (const wake of waiters) wake();
  }

  private tryAcquire(state: KeyState, options: AcquireOptions): string | WorkerInfo | null {
    // The worker given back last (as the Redis pool's RPOP): a few hot workers, not all in turn.
    const worker = state.idle.pop();
    if (worker) {
      state.leased.set(worker.id, { worker, deadline: Date.now() + options.leaseMs });
      return this.frozen.delete(worker.id) ? { ...worker, frozen: true } : worker;
    }
    if (state.leased.size + state.starting.size < options.maxWorkers) {
      const ticket = randomUUID();
      state.starting.add(ticket);
      return ticket;
    }
    return null;
  }

  async acquire(key: string, options: AcquireOptions): Promise<Acquisition> {
    const state = this.state(key);
    const started = Date.now();
    const deadline = started + options.waitMs;
    for (;;) {
      if (this.retired.has(key)) return { kind: 'retired', waitedMs: Date.now() - started };
      const got = this.tryAcquire(state, options);
      const waitedMs = Date.now() - started;
      if (typeof got === 'string') return { kind: 'cold', ticket: got, waitedMs };
      if (got) return { kind: 'warm', worker: got, waitedMs };
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { kind: 'full', waitedMs };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          state.waiters.delete(done);
          resolve();
        }, remaining);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        state.waiters.add(done);
      });
    }
  }

  async adopt(key: string, ticket: string, worker: WorkerInfo, leaseMs: number): Promise<void> {
    const state = this.state(key);
    state.starting.delete(ticket);
    state.leased.set(worker.id, { worker, deadline: Date.now() + leaseMs });
  }

  async cancelStart(key: string, ticket: string): Promise<void> {
    const state = this.state(key);
    state.starting.delete(ticket);
    this.wakeOne(state);
  }

  async reserveWarm(key: string, options: WarmOptions): Promise<string | null> {
    if (this.retired.has(key)) return null;
    const state = this.state(key);
    if (state.idle.length + state.starting.size >= options.minIdle) return null;
    if (state.idle.length + state.leased.size + state.starting.size >= options.maxWorkers) return null;
    const ticket = randomUUID();
    state.starting.add(ticket);
    return ticket;
  }

  async adoptIdle(key: string, ticket: string, worker: WorkerInfo): Promise<boolean> {
    const state = this.state(key);
    state.starting.delete(ticket);
    const accepted = !this.retired.has(key) && !this.draining.has(worker.managerId);
    if (accepted) {
      state.idle.push(worker);
      this.lastUsed.set(worker.id, Date.now());
    }
    this.wakeOne(state);
    return accepted;
  }

  async giveBack(worker: WorkerInfo): Promise<boolean> {
    const key = poolKeyOf(worker);
    const state = this.keys.get(key);
    if (!state?.leased.delete(worker.id) || this.retired.has(key) || this.draining.has(worker.managerId)) {
      if (state) this.wakeOne(state);
      return false;
    }
    state.idle.push(worker);
    this.lastUsed.set(worker.id, Date.now());
    this.wakeOne(state);
    return true;
  }

  async removeIdle(worker: WorkerInfo, keepIdle = 0): Promise<boolean> {
    const state = this.keys.get(poolKeyOf(worker));
    if (!state || state.idle.length <= keepIdle) return false;
    const index = state.idle.findIndex((w) => w.id === worker.id);
    if (index < 0) return false;
    state.idle.splice(index, 1);
    this.lastUsed.delete(worker.id);
    this.frozen.delete(worker.id);
    this.wakeOne(state);
    return true;
  }

  async forget(worker: WorkerInfo): Promise<void> {
    const state = this.keys.get(poolKeyOf(worker));
    this.lastUsed.delete(worker.id);
    this.frozen.delete(worker.id);
    if (!state) return;
    state.leased.delete(worker.id);
    state.idle = state.idle.filter((w) => w.id !== worker.id);
    this.wakeOne(state);
  }

  async retire(key: string): Promise<WorkerInfo[]> {
    this.retired.add(key);
    const state = this.keys.get(key);
    if (!state) return [];
    const idle = state.idle;
    state.idle = [];
    for (const worker of idle) {
      this.lastUsed.delete(worker.id);
      this.frozen.delete(worker.id);
    }
    this.wakeAll(state);
    return idle;
  }

  async reclaimExpired(managerId: string, now: number): Promise<WorkerInfo[]> {
    const reclaimed: WorkerInfo[] = [];
    for (const state of this.keys.values()) {
      for (const [id, lease] of state.leased) {
        if (lease.deadline <= now && lease.worker.managerId === managerId) {
          state.leased.delete(id);
          reclaimed.push(lease.worker);
        }
      }
    }
    return reclaimed;
  }

  async restore(worker: WorkerInfo): Promise<boolean> {
    const key = poolKeyOf(worker);
    if (this.retired.has(key) || this.draining.has(worker.managerId)) return false;
    const state = this.state(key);
    state.idle.push(worker);
    this.lastUsed.set(worker.id, Date.now());
    this.wakeOne(state);
    return true;
  }

  async drainManager(managerId: string): Promise<WorkerInfo[]> {
    this.draining.add(managerId);
    const removed: WorkerInfo[] = [];
    for (const state of this.keys.values()) {
      const ours = state.idle.filter((w) => w.managerId === managerId);
      if (ours.length === 0) continue;
      state.idle = state.idle.filter((w) => w.managerId !== managerId);
      for (const worker of ours) {
        this.lastUsed.delete(worker.id);
        this.frozen.delete(worker.id);
      }
      removed.push(...ours);
      this.wakeAll(state);
    }
    return removed;
  }

  async dropManager(managerId: string): Promise<number> {
    this.draining.delete(managerId);
    let dropped = 0;
    for (const state of this.keys.values()) {
      const before = state.idle.length + state.leased.size;
      state.idle = state.idle.filter((w) => w.managerId !== managerId);
      for (const [id, lease] of state.leased) if (lease.worker.managerId === managerId) state.leased.delete(id);
      dropped += before - state.idle.length - state.leased.size;
      this.wakeAll(state);
    }
    return dropped;
  }

  async freezeIdle(managerId: string, idleSince: number): Promise<WorkerInfo[]> {
    const marked: WorkerInfo[] = [];
    for (const state of this.keys.values())
      for (const worker of state.idle) {
        if (worker.managerId !== managerId || this.frozen.has(worker.id)) continue;
        if ((this.lastUsed.get(worker.id) ?? worker.startedAt) > idleSince) continue;
        this.frozen.add(worker.id);
        marked.push(worker);
      }
    return marked;
  }

  async idleWorkers(managerId: string): Promise<IdleWorker[]> {
    const result: IdleWorker[] = [];
    for (const state of this.keys.values()) {
      for (const worker of state.idle) {
        if (worker.managerId === managerId) result.push({ worker, lastUsedAt: this.lastUsed.get(worker.id) ?? worker.startedAt });
      }
    }
    return result.sort((a, b) => a.lastUsedAt - b.lastUsedAt);
  }

  async liveWorkers(key: string): Promise<LiveWorker[]> {
    const state = this.keys.get(key);
    if (!state) return [];
    const lastUsedAt = (worker: WorkerInfo) => this.lastUsed.get(worker.id) ?? worker.startedAt;
    return [
      ...state.idle.map((worker) => ({ worker, idle: true, lastUsedAt: lastUsedAt(worker) })),
      ...[...state.leased.values()].map(({ worker }) => ({ worker, idle: false, lastUsedAt: lastUsedAt(worker) })),
    ].sort((a, b) => a.worker.startedAt - b.worker.startedAt);
  }

  async liveCount(key: string): Promise<number> {
    const state = this.keys.get(key);
    return state ? state.idle.length + state.leased.size : 0;
  }

  async idleCount(key: string): Promise<number> {
    return this.keys.get(key)?.idle.length ?? 0;
  }

  async close(): Promise<void> {
    for (const state of this.keys.values()) this.wakeAll(state);
  }
}
