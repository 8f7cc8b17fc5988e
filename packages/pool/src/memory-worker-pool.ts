import type { Acquisition, AcquireOptions, IdleWorker, WorkerInfo, WorkerPool } from '@nubo/core';

interface KeyState {
  idle: WorkerInfo[];
  leased: Map<string, { worker: WorkerInfo; deadline: number }>;
  starting: number;
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
  private readonly lastUsed = new Map<string, number>();

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { idle: [], leased: new Map(), starting: 0, waiters: new Set() };
      this.keys.set(key, state);
    }
    return state;
  }

  private keyOf(worker: WorkerInfo): string {
    return `${worker.functionId}:${worker.version}`;
  }

  private wake(state: KeyState): void {
    const waiters = [...state.waiters];
    state.waiters.clear();
    for (const wake of waiters) wake();
  }

  private tryAcquire(key: string, state: KeyState, options: AcquireOptions): 'cold' | WorkerInfo | null {
    const worker = state.idle.shift();
    if (worker) {
      state.leased.set(worker.id, { worker, deadline: Date.now() + options.leaseMs });
      return worker;
    }
    if (state.leased.size + state.starting < options.maxWorkers) {
      state.starting += 1;
      return 'cold';
    }
    return null;
  }

  async acquire(key: string, options: AcquireOptions): Promise<Acquisition> {
    const state = this.state(key);
    const started = Date.now();
    const deadline = started + options.waitMs;
    for (;;) {
      const got = this.tryAcquire(key, state, options);
      const waitedMs = Date.now() - started;
      if (got === 'cold') return { kind: 'cold', waitedMs };
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

  async adopt(key: string, worker: WorkerInfo, leaseMs: number): Promise<void> {
    const state = this.state(key);
    state.starting = Math.max(0, state.starting - 1);
    state.leased.set(worker.id, { worker, deadline: Date.now() + leaseMs });
  }

  async cancelStart(key: string): Promise<void> {
    const state = this.state(key);
    state.starting = Math.max(0, state.starting - 1);
    this.wake(state);
  }

  async giveBack(worker: WorkerInfo): Promise<boolean> {
    const key = this.keyOf(worker);
    const state = this.keys.get(key);
    if (!state || !state.leased.delete(worker.id) || this.retired.has(key)) {
      if (state) this.wake(state);
      return false;
    }
    state.idle.push(worker);
    this.lastUsed.set(worker.id, Date.now());
    this.wake(state);
    return true;
  }

  async removeIdle(worker: WorkerInfo): Promise<boolean> {
    const state = this.keys.get(this.keyOf(worker));
    if (!state) return false;
    const index = state.idle.findIndex((w) => w.id === worker.id);
    if (index < 0) return false;
    state.idle.splice(index, 1);
    this.lastUsed.delete(worker.id);
    this.wake(state);
    return true;
  }

  async forget(worker: WorkerInfo): Promise<void> {
    const state = this.keys.get(this.keyOf(worker));
    this.lastUsed.delete(worker.id);
    if (!state) return;
    state.leased.delete(worker.id);
    state.idle = state.idle.filter((w) => w.id !== worker.id);
    this.wake(state);
  }

  async retire(key: string): Promise<WorkerInfo[]> {
    this.retired.add(key);
    const state = this.keys.get(key);
    if (!state) return [];
    const idle = state.idle;
    state.idle = [];
    for (const worker of idle) this.lastUsed.delete(worker.id);
    this.wake(state);
    return idle;
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

  async liveCount(key: string): Promise<number> {
    const state = this.keys.get(key);
    return state ? state.idle.length + state.leased.size : 0;
  }

  async close(): Promise<void> {
    for (const state of this.keys.values()) this.wake(state);
  }
}
