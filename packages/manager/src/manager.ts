import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  NuboError,
  WorkerInitError,
  RecurringTask,
  newId,
  stemKeyOf,
  type Logger,
  type RuntimeId,
  type Sandbox,
  type SandboxWorker,
  type WorkerExit,
  type WorkerInfo,
  type WorkerPool,
  type WorkerSpec,
  type EvictionReason,
  type Room,
  noRoom,
  type StartOptions,
} from '@nubo/core';
import type { CodeCache } from './code-cache.js';
import { runtimeReady } from './runtime-calls.js';
import { IdleFreezing } from './idle-freezing.js';
import { NodeRoom } from './node-room.js';
import { StartGate } from './start-gate.js';
import { StemCells } from './stem-cells.js';

export interface ManagerOptions {
  id: string;
  sandbox: Sandbox;
  codeCache: CodeCache;
  pool: WorkerPool;
  logger: Logger;
  /** How often idle workers are checked against their function's idle TTL. */
  reapIntervalMs: number;
  /** Room on this node: live plus starting workers, and the memory limits they add up to. */
  capacity: Room;
  /** Workers started at the same time; more cold starts queue. */
  maxConcurrentStarts: number;
  /** Stem cells kept ready per kind of worker this node cold-starts (0: none); only where the sandbox has them. */
  stemCellsPerKind?: number;
  /** Least time between two stem-cell starts (0: each as soon as the start gate lets it). */
  stemCellRefillMs?: number;
  /** An idle worker unused this long is frozen (where the sandbox can), until its next call thaws it. */
  freezeAfterMs?: number;
}

/** A node keeps a version's unpacked code this long after its last worker is gone (redeploys and deletions drop it at once). */
export const codeIdleMs = 10 * 60_000;

export interface ManagerLoad {
  capacity: Room;
  /** Live and starting workers, stem cells included (they hold room until a worker needs it). */
  used: Room;
  /** Cold starts running now, and the most that ever ran at once. */
  starting: number;
  peakStarting: number;
  /** Ready stem cells per kind (`stemKindId`), and the room they hold. */
  stems: { byKind: Record<string, number>; room: Room };
  draining: boolean;
  /** Idle workers removed so far, by why. */
  evictions: Record<EvictionReason, number>;
}

/**
 * Creates and destroys the workers of one node and retires the idle ones. It never runs an
 * invocation: it answers a worker's address and the gateway calls the worker.
 */
export class Manager {
  readonly id: string;
  private readonly workers = new Map<string, WorkerInfo>();
  /** The code digest whose unpacked copy a worker's sandbox shows (workers made from stem cells have their own copy). */
  private readonly boundCode = new Map<string, string>();
  /** Every live or starting worker's (and stem cell's) memory limit against the node's capacity. */
  private readonly room: NodeRoom;
  private readonly starts: StartGate;
  private draining = false;
  private onEmpty: (() => void) | undefined;
  private readonly reaper: RecurringTask;
  /** Freezes the idle workers of this node and thaws them for their takers; null where the sandbox cannot freeze. */
  private readonly freezing: IdleFreezing | null;
  private readonly freezeLoop: RecurringTask | null;
  private readonly evictions: Record<EvictionReason, number> = { room: 0, 'idle-ttl': 0 };
  private readonly stems: StemCells | null;

  constructor(private readonly options: ManagerOptions) {
    this.id = options.id;
    this.starts = new StartGate(options.maxConcurrentStarts);
    this.room = new NodeRoom(options.capacity);
    const { sandbox } = options;
    this.stems =
      (options.stemCellsPerKind ?? 0) > 0 && sandbox.startStem && sandbox.specialise
        ? new StemCells({
            perKey: options.stemCellsPerKind!,
            refillIntervalMs: options.stemCellRefillMs ?? 0,
            sandbox: { startStem: sandbox.startStem.bind(sandbox) },
            reserve: (workerId, memoryMb) => this.reserveIfFree(workerId, memoryMb),
            release: (workerId) => this.release(workerId),
            gated: async (start) => {
              const leave = await this.starts.enter();
              return start().finally(leave);
            },
            destroy: async (workerId) => {
              await sandbox.destroy(workerId);
              this.release(workerId);
            },
            logger: options.logger,
          })
        : null;
    options.sandbox.onUnexpectedExit((workerId, exit) => {
      if (this.stems?.forget(workerId)) this.release(workerId);
      else void this.dropDeadWorker(workerId, exit);
    });
    const { freezer } = options.sandbox;
    const freezeAfterMs = options.freezeAfterMs ?? 100;
    this.freezing = freezer
      ? new IdleFreezing({
          managerId: this.id,
          freezer,
          pool: options.pool,
          logger: options.logger,
          runs: (workerId) => this.workers.has(workerId),
        })
      : null;
    this.freezeLoop = this.freezing
      ? new RecurringTask({
          intervalMs: Math.max(10, Math.floor(freezeAfterMs / 2)),
          run: async () => {
            await this.freezeIdle(Date.now() - freezeAfterMs);
          },
          onError: (err) => options.logger.warn({ err: err.message }, 'could not freeze idle workers'),
        })
      : null;
    this.reaper = new RecurringTask({
      intervalMs: options.reapIntervalMs,
      run: async () => {
        await Promise.all([this.reapIdle(), this.reclaimLeases(), options.codeCache.evictIdle(Date.now(), codeIdleMs)]);
      },
      onError: (err) => options.logger.error({ err: err.message }, 'idle reaper failed'),
    });
  }

  /** The runtimes this node's sandbox runs. */
  get runtimes(): readonly RuntimeId[] {
    return this.options.sandbox.runtimes;
  }

  /** A worker that died while idle leaves the pool at once, so no request is sent to it. */
  private async dropDeadWorker(workerId: string, exit: WorkerExit): Promise<void> {
    const worker = this.workers.get(workerId);
    if (!worker) return;
    this.options.logger.warn(
      { worker: workerId, exitCode: exit.exitCode, signal: exit.signal, oom: exit.oom },
      'worker ended by itself',
    );
    // A leased worker is the caller's to report and destroy; only an idle one is cleaned up here.
    if (await this.options.pool.removeIdle(worker)) await this.destroyWorker(workerId);
  }

  start(): void {
    this.reaper.start();
    this.freezeLoop?.start();
  }

  /** Freezes this node's idle workers unused since `idleSince` (none where the sandbox cannot freeze). */
  freezeIdle(idleSince: number): Promise<number> {
    return this.freezing?.freezeIdle(idleSince) ?? Promise.resolve(0);
  }

  /** Lets a frozen worker run again (its taker asks before it calls it); nothing for one that is not frozen. */
  thawWorker(workerId: string): Promise<void> {
    return this.freezing?.thaw(workerId) ?? Promise.resolve();
  }

  /** The workers frozen now (for diagnostics and tests). */
  frozenWorkers(): string[] {
    return this.freezing?.frozenWorkers() ?? [];
  }

  /**
   * Takes back this node's workers whose taker died without giving them back (its lease ran out):
   * a worker that still answers goes back to the pool, any other is destroyed.
   */
  async reclaimLeases(now = Date.now()): Promise<number> {
    const reclaimed = await this.options.pool.reclaimExpired(this.id, now);
    for (const worker of reclaimed) {
      // Its taker may have died before it thawed it.
      await this.thawWorker(worker.id).catch(() => undefined);
      const healthy = this.workers.has(worker.id) && (await runtimeReady(worker.address, worker.secret));
      if (healthy && (await this.options.pool.restore(worker))) continue;
      await this.options.pool.forget(worker);
      await this.destroyWorker(worker.id);
    }
    if (reclaimed.length > 0) this.options.logger.warn({ reclaimed: reclaimed.length }, 'reclaimed workers whose lease expired');
    return reclaimed.length;
  }

  load(): ManagerLoad {
    return {
      capacity: this.room.capacity,
      used: this.room.used(),
      starting: this.room.count - this.workers.size - (this.stems?.count ?? 0),
      stems: this.stems?.readiness() ?? { byKind: {}, room: noRoom },
      peakStarting: this.starts.peak,
      draining: this.draining,
      evictions: { ...this.evictions },
    };
  }

  /**
   * Reserves room for one more worker. When the node is full and `evict` allows it, it evicts this
   * node's least recently used idle workers above their function's warm floor (out of the pool
   * first, so never a busy one, and the pool keeps minWarm idle workers of each function).
   */
  private async reserveRoom(workerId: string, memoryMb: number, evict: boolean): Promise<void> {
    // Stem cells go first, whatever `evict` says: they hold room only until a worker needs it.
    let stemsLeft = true;
    while (!this.room.fits(memoryMb) && stemsLeft) stemsLeft = (await this.stems?.evictOne()) ?? false;
    while (!this.room.fits(memoryMb)) {
      let evicted = false;
      if (evict) {
        for (const { worker } of await this.options.pool.idleWorkers(this.id)) {
          if (this.room.fits(memoryMb)) break;
          if (!(await this.options.pool.removeIdle(worker, worker.minWarm))) continue;
          await this.destroyWorker(worker.id);
          this.noteEviction(worker, 'room');
          evicted = true;
        }
      }
      if (this.room.fits(memoryMb)) break;
      if (!evicted) {
        // How full the node is says what other tenants run: the admin sees it in the cluster view, not here.
        throw new NuboError(
          'NUBO_ERR_MANAGER_NO_CAPACITY',
          `Manager ${this.id} has no room for another ${memoryMb} MB worker (${evict ? 'and no idle worker above its warm floor to evict' : 'and prewarming evicts none'}): retry later; the operator can add a manager or raise NUBO_MANAGER_CAPACITY / NUBO_MANAGER_MEMORY_MB.`,
        );
      }
    }
    this.room.hold(workerId, memoryMb);
  }

  /**
   * Room for a stem cell, only where it is spare: it never evicts anything, and never takes the
   * node's last room for a worker of its size (a full node would otherwise trade it back and forth).
   */
  private reserveIfFree(workerId: string, memoryMb: number): boolean {
    if (this.draining || !this.room.fits(memoryMb, 2)) return false;
    this.room.hold(workerId, memoryMb);
    return true;
  }

  private noteEviction(worker: WorkerInfo, reason: EvictionReason): void {
    this.evictions[reason] += 1;
    this.options.logger.debug(
      { worker: worker.id, functionId: worker.functionId, version: worker.version, reason },
      'evicted an idle worker',
    );
  }

  async startWorker(spec: WorkerSpec, options: StartOptions = { evict: true }): Promise<WorkerInfo> {
    if (this.draining)
      throw new NuboError(
        'NUBO_ERR_MANAGER_UNAVAILABLE',
        `Manager ${this.id} is stopping and starts no workers: another manager will.`,
      );
    const started = performance.now();
    const secret = randomBytes(32).toString('base64url');
    const key = stemKeyOf(spec);
    const fromStem = await this.specialiseStem(spec, secret);
    let workerId: string;
    let placed: SandboxWorker;
    if (fromStem) ({ workerId, placed } = fromStem);
    else {
      workerId = newId('wrk');
      await this.reserveRoom(workerId, spec.memoryMb, options.evict);
      const leave = await this.starts.enter();
      try {
        const codeDir = await this.options.codeCache.dirFor(spec.codeDigest);
        placed = await this.options.sandbox.start({ workerId, spec, codeDir, secret });
        this.options.codeCache.hold(spec.codeDigest);
        this.boundCode.set(workerId, spec.codeDigest);
      } catch (err) {
        this.release(workerId);
        throw err;
      } finally {
        leave();
      }
    }
    this.stems?.want(key);
    const worker: WorkerInfo = {
      id: workerId,
      address: placed.address,
      managerId: this.id,
      functionId: spec.functionId,
      version: spec.version,
      idleTtlMs: spec.idleTtlMs,
      minWarm: spec.minWarm,
      startedAt: Date.now(),
      initMs: Math.round((performance.now() - started) * 1000) / 1000,
      secret,
      ...(fromStem ? { stemCell: true } : {}),
      ...(spec.pinned ? { pinned: true } : {}),
    };
    this.workers.set(workerId, worker);
    this.options.logger.debug(
      { worker: workerId, function: spec.functionName, version: spec.version, initMs: worker.initMs },
      'worker started',
    );
    return worker;
  }

  /**
   * A cold start on a ready stem cell of the spec's kind: it gets the code, environment and secret
   * and becomes this function's worker. Null when there is none (or it failed for a reason of its
   * own: the usual start follows); a handler that fails to load is the function's error.
   */
  private async specialiseStem(spec: WorkerSpec, secret: string): Promise<{ workerId: string; placed: SandboxWorker } | null> {
    const workerId = this.stems?.take(stemKeyOf(spec));
    if (!workerId) return null;
    try {
      const codeDir = await this.options.codeCache.dirFor(spec.codeDigest);
      return { workerId, placed: await this.options.sandbox.specialise!({ workerId, spec, codeDir, secret }) };
    } catch (err) {
      this.release(workerId);
      if (err instanceof WorkerInitError) throw err;
      this.options.logger.warn(
        { err: (err as Error).message, worker: workerId },
        'a stem cell could not be specialised; starting a worker instead',
      );
      return null;
    }
  }

  private release(workerId: string): void {
    this.workers.delete(workerId);
    this.room.release(workerId);
    this.freezing?.forget(workerId);
    const digest = this.boundCode.get(workerId);
    if (digest) {
      this.boundCode.delete(workerId);
      void this.options.codeCache.release(digest);
    }
    if (this.room.isEmpty) this.onEmpty?.();
  }

  async destroyWorker(workerId: string, options: { graceMs?: number } = {}): Promise<WorkerExit | null> {
    this.workers.delete(workerId);
    // A freeze under way finishes first (the sandbox thaws before it kills); later ones see it gone.
    await this.freezing?.settle(workerId);
    const exit = await this.options.sandbox.destroy(workerId, options);
    this.release(workerId);
    this.options.logger.debug({ worker: workerId, exit }, 'worker destroyed');
    return exit;
  }

  /** Removes idle workers past their TTL: out of the pool first, so a busy worker is never killed. */
  async reapIdle(now = Date.now()): Promise<number> {
    let reaped = 0;
    for (const { worker, lastUsedAt } of await this.options.pool.idleWorkers(this.id)) {
      if (now - lastUsedAt < worker.idleTtlMs) continue;
      // The function's minWarm idle workers stay (the list never drops below it through the reaper).
      if (!(await this.options.pool.removeIdle(worker, worker.minWarm))) continue;
      await this.destroyWorker(worker.id);
      this.noteEviction(worker, 'idle-ttl');
      reaped += 1;
    }
    if (reaped > 0) this.options.logger.info({ reaped }, 'reaped idle workers');
    return reaped;
  }

  /** No version uses this code any more: its unpacked copy goes from this node (once no worker shows it). */
  dropCode(digest: string): Promise<void> {
    return this.options.codeCache.drop(digest);
  }

  /** The code digests unpacked on this node now (for diagnostics and tests). */
  codeCopies(): string[] {
    return this.options.codeCache.copies();
  }

  /** Workers this manager runs, for diagnostics and tests. */
  liveWorkers(): WorkerInfo[] {
    return [...this.workers.values()];
  }

  /** The functions' workers its sandbox runs now, stem cells left out (for diagnostics and tests). */
  runningWorkerIds(): string[] {
    return this.options.sandbox.running().filter((workerId) => !this.stems?.holds(workerId));
  }

  /** From now on this manager starts no worker (gateways learn it from the next heartbeat). */
  stopStarting(): void {
    this.draining = true;
  }

  /**
   * Graceful stop, first half: starts no more workers, destroys the idle ones (out of the pool
   * first), and waits up to `boundMs` for the busy ones, which their takers destroy when done
   * because the pool refuses them back. Answers how many were still busy at the bound.
   */
  async drain(boundMs: number): Promise<number> {
    this.stopStarting();
    await this.stems?.stop();
    let idle: WorkerInfo[];
    try {
      idle = await this.options.pool.drainManager(this.id);
    } catch (err) {
      // Without the pool no taker can hand a worker back either: stop now rather than wait.
      this.options.logger.warn({ err: (err as Error).message }, 'could not drain through the pool; stopping the workers now');
      return this.room.count;
    }
    for (const worker of idle) await this.destroyWorker(worker.id);
    if (this.room.count > 0) {
      this.options.logger.info({ busy: this.room.count, boundMs }, 'draining: waiting for busy workers to finish');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, boundMs);
        this.onEmpty = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.room.count;
  }

  async stop(): Promise<void> {
    await this.freezeLoop?.stop();
    await this.reaper.stop();
    await this.stems?.stop();
    this.workers.clear();
    await this.options.sandbox.destroyAll();
    await this.options.pool
      .dropManager(this.id)
      .catch((err: Error) =>
        this.options.logger.warn({ err: err.message }, "could not remove this manager's workers from the pool"),
      );
  }
}
