import { performance } from 'node:perf_hooks';
import {
  isNuboError,
  poolKey,
  type Logger,
  type ManagerClient,
  type StartOptions,
  type WorkerExit,
  type WorkerInfo,
  type WorkerPool,
} from '@nubo/core';
import type { Gauge } from 'prom-client';
import type { InvokeTarget } from './invocation-types.js';
import { specOf } from './worker-spec.js';

/** The result of asking for a worker to call. */
export type Taken =
  | { kind: 'worker'; worker: WorkerInfo; cold: boolean; queueMs: number }
  /** A deploy or removal retired the version since it was looked up. */
  | { kind: 'retired'; queueMs: number }
  /** At maxConcurrency for the whole wait. */
  | { kind: 'full'; queueMs: number }
  /** A cold start was needed and failed (and no busy worker of the function came back in time). */
  | { kind: 'start-failed'; error: Error; queueMs: number };

export interface TakeOptions {
  leaseMs: number;
  /** `performance.now()` time after which the request no longer waits. */
  deadline: number;
}

/**
 * Makes workers available (OpenFaaS's "scaling" half, apart from calling them): takes an idle one
 * under a lease or drives a cold start through the pool's start-slot protocol (reserve a slot,
 * start, adopt — or cancel), prewarms idle workers through the same protocol, and gives workers
 * back or destroys them. Used by the invoker and the prewarmer alike.
 */
export class WorkerSupply {
  constructor(
    private readonly deps: {
      pool: WorkerPool;
      managers: ManagerClient;
      logger: Logger;
      /** Longest wait for a worker at maxConcurrency; unset = until the request's deadline. */
      maxQueueWaitMs: number | undefined;
      /** Counts requests waiting for a busy worker of their own function because no manager has room. */
      waitingForRoom: Gauge;
    },
  ) {}

  /** How long a request may wait for a worker: until its deadline, at most NUBO_MAX_QUEUE_WAIT_MS. */
  queueWaitMs(deadline: number): number {
    const untilDeadline = Math.max(0, deadline - performance.now());
    return Math.min(untilDeadline, this.deps.maxQueueWaitMs ?? untilDeadline);
  }

  async take(target: InvokeTarget, options: TakeOptions, thawTries = 1): Promise<Taken> {
    const { pool } = this.deps;
    const key = poolKey(target.fn.id, target.version.version, target.pinned === true);
    const acquired = await pool.acquire(key, {
      leaseMs: options.leaseMs,
      maxWorkers: target.version.limits.maxConcurrency,
      waitMs: this.queueWaitMs(options.deadline),
    });
    switch (acquired.kind) {
      case 'retired':
      case 'full':
        return { kind: acquired.kind, queueMs: acquired.waitedMs };
      case 'warm': {
        const worker = await this.thawed(acquired.worker);
        if (worker) return { kind: 'worker', worker, cold: false, queueMs: acquired.waitedMs };
        // Its manager could not thaw it: it is gone, and the next take starts or finds another.
        if (thawTries > 0) return this.take(target, options, thawTries - 1);
        return { kind: 'start-failed', error: new Error('The worker could not be thawed.'), queueMs: acquired.waitedMs };
      }
    }
    const started = await this.startOnTicket(key, acquired.ticket, target);
    if (!(started instanceof Error)) {
      await pool.adopt(key, acquired.ticket, started, options.leaseMs);
      return { kind: 'worker', worker: started, cold: true, queueMs: acquired.waitedMs };
    }
    const ownWorker = isNuboError(started, 'NUBO_ERR_MANAGER_NO_CAPACITY') ? await this.waitForOwnWorker(key, options) : null;
    if (!ownWorker) return { kind: 'start-failed', error: started, queueMs: acquired.waitedMs };
    return { kind: 'worker', worker: ownWorker.worker, cold: false, queueMs: acquired.waitedMs + ownWorker.waitedMs };
  }

  /**
   * Starts idle workers until the version has its minWarm ready (the pool's reserveWarm decides, so
   * several gateways never start more than needed), never evicting another worker to make room.
   * Tells how many started, which failed, and how many idle workers the floor lacks for want of room.
   */
  async fillWarm(target: InvokeTarget, stopped: () => boolean): Promise<{ started: number; failures: Error[]; missing: number }> {
    const { pool, managers } = this.deps;
    const key = poolKey(target.fn.id, target.version.version);
    const options = { minIdle: target.version.limits.minWarm, maxWorkers: target.version.limits.maxConcurrency };
    const starts: Promise<Error | null>[] = [];
    // At most minWarm starts a round: a start that fails at once frees its slot before the next
    // reservation, which would otherwise hand the same slot out again and again.
    for (let round = 0; round < options.minIdle && !stopped(); round++) {
      const slot = await pool.reserveWarm(key, options);
      if (!slot) break;
      starts.push(
        this.startOnTicket(key, slot, target, { evict: false }).then(async (worker) => {
          if (worker instanceof Error) return worker;
          // A deploy or removal since the reservation retired the key: this worker has nothing to serve.
          if (!(await pool.adoptIdle(key, slot, worker).catch(() => false)))
            await managers.destroyWorker(worker).catch(() => null);
          return null;
        }),
      );
    }
    const failures = (await Promise.all(starts)).filter((failure): failure is Error => failure !== null);
    const noRoom = failures.some((failure) => isNuboError(failure, 'NUBO_ERR_MANAGER_NO_CAPACITY'));
    // What the floor still lacks for want of room: counted in the pool, as failed starts may have retried a slot.
    const missing = noRoom ? Math.max(0, options.minIdle - (await pool.idleCount(key))) : 0;
    return { started: starts.length - failures.length, failures, missing };
  }

  /**
   * A worker its manager froze while it was idle runs again before it is called (its manager thaws
   * it); one that cannot be thawed is destroyed: null.
   */
  private async thawed(worker: WorkerInfo): Promise<WorkerInfo | null> {
    if (!worker.frozen) return worker;
    const { frozen: _was, ...running } = worker;
    try {
      await this.deps.managers.thawWorker(running);
      return running;
    } catch (err) {
      if (isNuboError(err, 'NUBO_ERR_WORKER_GONE'))
        this.deps.logger.debug({ worker: worker.id }, 'a frozen worker had ended; replacing it');
      else
        this.deps.logger.warn({ worker: worker.id, err: (err as Error).message }, 'could not thaw a frozen worker; replacing it');
      await this.destroy(running);
      return null;
    }
  }

  /** Back to the pool; if the pool is unreachable the lease runs out and the manager reclaims it. */
  async giveBack(worker: WorkerInfo): Promise<void> {
    try {
      if (!(await this.deps.pool.giveBack(worker))) await this.destroy(worker);
    } catch (err) {
      this.deps.logger.warn(
        { worker: worker.id, err: (err as Error).message },
        'could not give the worker back; its manager will reclaim it when the lease ends',
      );
    }
  }

  /** Out of the pool and stopped; `graceMs` lets a dying worker end by itself so its cause is known. */
  async destroy(worker: WorkerInfo, graceMs?: number): Promise<WorkerExit | null> {
    await this.deps.pool.forget(worker).catch(() => undefined);
    return this.deps.managers.destroyWorker(worker, graceMs ? { graceMs } : {}).catch(() => null);
  }

  /** Starts a worker on a reserved slot; on failure the slot is freed and the error returned. */
  private async startOnTicket(
    key: string,
    ticket: string,
    target: InvokeTarget,
    options: StartOptions = { evict: true },
  ): Promise<WorkerInfo | Error> {
    try {
      return await this.deps.managers.startWorker(specOf(target), options);
    } catch (err) {
      await this.deps.pool.cancelStart(key, ticket).catch(() => undefined);
      return err as Error;
    }
  }

  /**
   * No manager has room for another worker: wait (until the deadline) for one of this function's
   * own busy workers to come back instead of failing at once. Null when it has none.
   */
  private async waitForOwnWorker(key: string, options: TakeOptions): Promise<{ worker: WorkerInfo; waitedMs: number } | null> {
    const { pool } = this.deps;
    const live = await pool.liveCount(key).catch(() => 0);
    const waitMs = this.queueWaitMs(options.deadline);
    if (live === 0 || waitMs === 0) return null;
    this.deps.waitingForRoom.inc();
    const again = await pool
      .acquire(key, { leaseMs: options.leaseMs, maxWorkers: live, waitMs })
      .finally(() => this.deps.waitingForRoom.dec());
    if (again.kind === 'cold') await pool.cancelStart(key, again.ticket).catch(() => undefined);
    const worker = again.kind === 'warm' ? await this.thawed(again.worker) : null;
    return worker ? { worker, waitedMs: again.waitedMs } : null;
  }
}
