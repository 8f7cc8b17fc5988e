import type { Room } from '../room.js';
import type { RuntimeId } from '../runtimes.js';
import type { WorkerExit, WorkerInfo, WorkerSpec } from '../types.js';

/** Why a manager removed a worker that was idle: to make room for another, or past its idle TTL. */
export const evictionReasons = ['room', 'idle-ttl'] as const;
export type EvictionReason = (typeof evictionReasons)[number];

export interface StartOptions {
  /**
   * Whether the manager may make room by evicting idle workers above their function's warm floor
   * (true for invocations). Prewarming passes false: it never evicts anything.
   */
  evict: boolean;
}

/** A manager's room and what it evicted, as the gateway sees it. */
export interface ManagerLoadView {
  id: string;
  capacity: Room;
  /** Live and starting workers (stem cells included) and the memory they reserve. */
  used: Room;
  draining: boolean;
  evictions: Record<EvictionReason, number>;
}

/** How the gateway asks a manager for workers. The manager never runs an invocation itself. */
export interface ManagerClient {
  /** Starts a worker and answers its address once it is ready. */
  startWorker(spec: WorkerSpec, options?: StartOptions): Promise<WorkerInfo>;
  /** Lets a worker its manager froze while idle run again; the taker of a `frozen` worker asks before calling it. */
  thawWorker(worker: WorkerInfo): Promise<void>;
  /** Destroys a worker; see `Sandbox.destroy` for `graceMs`. */
  destroyWorker(worker: WorkerInfo, options?: { graceMs?: number }): Promise<WorkerExit | null>;
  /** The runtimes the managers' sandboxes can run now (for a deploy's check). */
  runtimes(): Promise<readonly RuntimeId[]>;
  /** The live managers' room (for warm-floor reservations) and eviction counts (for metrics). */
  loads(): Promise<ManagerLoadView[]>;
  /** No version uses this code bundle any more: every manager removes its unpacked copy (best effort). */
  dropCode(digest: string): Promise<void>;
  close(): Promise<void>;
}
