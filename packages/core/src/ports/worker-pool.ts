import type { WorkerInfo } from '../types.js';

/**
 * `{functionId}:{version}` — a deploy changes the key, so no request reaches an old worker. A
 * version called by its number while another is active has a lane of its own, `…:pinned`, which no
 * deploy retires (only removing the function does): its workers serve those calls alone.
 */
export function poolKey(functionId: string, version: number, pinned = false): string {
  return pinned ? `${functionId}:${version}:pinned` : `${functionId}:${version}`;
}

/** The pool key of the function version (and lane) a worker runs. */
export function poolKeyOf(worker: Pick<WorkerInfo, 'functionId' | 'version' | 'pinned'>): string {
  return poolKey(worker.functionId, worker.version, worker.pinned === true);
}

export interface AcquireOptions {
  /** How long the taker may hold the worker before a manager may reclaim it. */
  leaseMs: number;
  /** Live plus starting workers of this key never exceed this. */
  maxWorkers: number;
  /** How long to wait for a returned worker or a free slot when at maxWorkers. */
  waitMs: number;
}

export type Acquisition =
  /** An idle worker, now leased to the caller. */
  | { kind: 'warm'; worker: WorkerInfo; waitedMs: number }
  /** The pool was empty and a start slot is reserved: cold-start, then `adopt` or `cancelStart`. */
  | { kind: 'cold'; ticket: string; waitedMs: number }
  /** At maxWorkers for the whole wait. */
  | { kind: 'full'; waitedMs: number }
  /** The key was retired (a newer version is active, or the function is gone): look it up again. */
  | { kind: 'retired'; waitedMs: number };

export interface WarmOptions {
  /** Keep this many idle workers ready (the function's minWarm). */
  minIdle: number;
  /** Never above the function's maxConcurrency. */
  maxWorkers: number;
}

export interface LiveWorker {
  worker: WorkerInfo;
  idle: boolean;
  lastUsedAt: number;
}

export interface IdleWorker {
  worker: WorkerInfo;
  lastUsedAt: number;
}

/**
 * The seed's atomic worker pool: one list of idle workers per function version. Taking removes a
 * worker from its list, so one worker serves one request at a time; an empty list means cold start.
 * A take gets the worker given back last (last in, first out), so a steady load keeps a few workers
 * hot and the others idle long enough to be reaped. Every adapter passes the same conformance suite.
 */
export interface WorkerPool {
  acquire(key: string, options: AcquireOptions): Promise<Acquisition>;
  /** Registers a freshly started worker as leased to the caller, consuming its start slot. */
  adopt(key: string, ticket: string, worker: WorkerInfo, leaseMs: number): Promise<void>;
  /** Frees a start slot whose cold start failed. */
  cancelStart(key: string, ticket: string): Promise<void>;
  /**
   * Reserves a start slot for a prewarmed worker when the key has fewer idle plus starting workers
   * than `minIdle` (and room below `maxWorkers`); null when there are enough or the key is retired.
   */
  reserveWarm(key: string, options: WarmOptions): Promise<string | null>;
  /** Registers a prewarmed worker as idle, consuming its slot; false if the key was retired meanwhile (destroy it). */
  adoptIdle(key: string, ticket: string, worker: WorkerInfo): Promise<boolean>;
  /**
   * Ends the lease and puts the worker at the tail of its list (RPUSH). Returns false when the key
   * was retired or the worker is unknown: the caller must then destroy the worker.
   */
  giveBack(worker: WorkerInfo): Promise<boolean>;
  /**
   * Takes an idle worker out of its list (LREM). True means it was idle and now nobody holds it,
   * so it may be destroyed; false means it is leased or already gone, or its list holds no more
   * than `keepIdle` workers (the reaper keeps a function's minWarm).
   */
  removeIdle(worker: WorkerInfo, keepIdle?: number): Promise<boolean>;
  /** Drops every trace of a worker the caller holds and has destroyed (frees its slot). */
  forget(worker: WorkerInfo): Promise<void>;
  /**
   * Closes a key for good (an old version, a removed function): later give-backs return false.
   * Returns the idle workers it removed, which the caller destroys.
   */
  retire(key: string): Promise<WorkerInfo[]>;
  /**
   * Takes the workers of one manager whose lease ran out (their taker died) out of the lease set.
   * The manager then checks each: healthy → `restore`, unhealthy → destroy and `forget`.
   */
  reclaimExpired(managerId: string, now: number): Promise<WorkerInfo[]>;
  /** Puts a reclaimed worker back at the tail of its list; false if its key was retired. */
  restore(worker: WorkerInfo): Promise<boolean>;
  /**
   * A stopping manager takes no new work: its idle workers leave the pool (returned, for it to
   * destroy) and its busy ones are refused when given back, so their takers destroy them.
   */
  drainManager(managerId: string): Promise<WorkerInfo[]>;
  /** Drops every trace of the workers of a manager that is gone (and ends its draining); returns how many. */
  dropManager(managerId: string): Promise<number>;
  /**
   * Marks the idle workers of one manager unused since `idleSince` or before as frozen, each once,
   * and answers them for the manager to freeze; a take answers the mark (`frozen`) and clears it.
   */
  freezeIdle(managerId: string, idleSince: number): Promise<WorkerInfo[]>;
  /** Idle workers of one manager, oldest use first, for the idle reaper. */
  idleWorkers(managerId: string): Promise<IdleWorker[]>;
  /** The live workers of a key, each idle or busy (leased), oldest start first: what a function's page shows. */
  liveWorkers(key: string): Promise<LiveWorker[]>;
  /** Live workers of a key: idle + leased (starting ones excluded). */
  liveCount(key: string): Promise<number>;
  /** Idle workers of a key (the length of the seed's list). */
  idleCount(key: string): Promise<number>;
  close(): Promise<void>;
}
