import { performance } from 'node:perf_hooks';
import { newId, type Logger, type Sandbox, type WorkerExit, type WorkerInfo, type WorkerPool, type WorkerSpec } from '@nubo/core';
import type { CodeCache } from './code-cache.js';

async function isHealthy(address: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export interface ManagerOptions {
  id: string;
  sandbox: Sandbox;
  codeCache: CodeCache;
  pool: WorkerPool;
  logger: Logger;
  /** How often idle workers are checked against their function's idle TTL. */
  reapIntervalMs: number;
}

/**
 * Creates and destroys the workers of one node and retires the idle ones. It never runs an
 * invocation: it answers a worker's address and the gateway calls the worker.
 */
export class Manager {
  readonly id: string;
  private readonly workers = new Map<string, WorkerInfo>();
  private reapTimer: NodeJS.Timeout | undefined;
  private reaping: Promise<unknown> | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.id = options.id;
    options.sandbox.onUnexpectedExit((workerId, exit) => void this.dropDeadWorker(workerId, exit));
  }

  /** A worker that died while idle leaves the pool at once, so no request is sent to it. */
  private async dropDeadWorker(workerId: string, exit: WorkerExit): Promise<void> {
    const worker = this.workers.get(workerId);
    if (!worker) return;
    this.options.logger.warn({ worker: workerId, exitCode: exit.exitCode, signal: exit.signal, oom: exit.oom }, 'worker ended by itself');
    // A leased worker is the caller's to report and destroy; only an idle one is cleaned up here.
    if (await this.options.pool.removeIdle(worker)) await this.destroyWorker(workerId);
  }

  start(): void {
    this.reapTimer = setInterval(() => {
      this.reaping ??= Promise.all([this.reapIdle(), this.reclaimLeases()])
        .catch((err: unknown) => this.options.logger.error({ err: (err as Error).message }, 'idle reaper failed'))
        .finally(() => (this.reaping = undefined));
    }, this.options.reapIntervalMs);
    this.reapTimer.unref();
  }

  /**
   * Takes back this node's workers whose taker died without giving them back (its lease ran out):
   * a worker that still answers goes back to the pool, any other is destroyed.
   */
  async reclaimLeases(now = Date.now()): Promise<number> {
    const reclaimed = await this.options.pool.reclaimExpired(this.id, now);
    for (const worker of reclaimed) {
      const healthy = this.workers.has(worker.id) && (await isHealthy(worker.address));
      if (healthy && (await this.options.pool.restore(worker))) continue;
      await this.options.pool.forget(worker);
      await this.destroyWorker(worker.id);
    }
    if (reclaimed.length > 0) this.options.logger.warn({ reclaimed: reclaimed.length }, 'reclaimed workers whose lease expired');
    return reclaimed.length;
  }

  async startWorker(spec: WorkerSpec): Promise<WorkerInfo> {
    const started = performance.now();
    const codeDir = await this.options.codeCache.dirFor(spec.codeDigest);
    const workerId = newId('wrk');
    const placed = await this.options.sandbox.start({ workerId, spec, codeDir });
    const worker: WorkerInfo = {
      id: workerId,
      address: `${placed.host}:${placed.port}`,
      managerId: this.id,
      functionId: spec.functionId,
      version: spec.version,
      idleTtlMs: spec.idleTtlMs,
      startedAt: Date.now(),
      initMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    this.workers.set(workerId, worker);
    this.options.logger.debug({ worker: workerId, function: spec.functionName, version: spec.version, initMs: worker.initMs }, 'worker started');
    return worker;
  }

  async destroyWorker(workerId: string, options: { graceMs?: number } = {}): Promise<WorkerExit | null> {
    this.workers.delete(workerId);
    const exit = await this.options.sandbox.destroy(workerId, options);
    this.options.logger.debug({ worker: workerId, exit }, 'worker destroyed');
    return exit;
  }

  /** Removes idle workers past their TTL: out of the pool first, so a busy worker is never killed. */
  async reapIdle(now = Date.now()): Promise<number> {
    let reaped = 0;
    for (const { worker, lastUsedAt } of await this.options.pool.idleWorkers(this.id)) {
      if (now - lastUsedAt < worker.idleTtlMs) continue;
      if (!(await this.options.pool.removeIdle(worker))) continue;
      await this.destroyWorker(worker.id);
      reaped += 1;
    }
    if (reaped > 0) this.options.logger.info({ reaped }, 'reaped idle workers');
    return reaped;
  }

  /** Workers this manager runs, for diagnostics and tests. */
  liveWorkers(): WorkerInfo[] {
    return [...this.workers.values()];
  }

  async stop(): Promise<void> {
    clearInterval(this.reapTimer);
    await this.reaping;
    this.workers.clear();
    await this.options.sandbox.destroyAll();
    await this.options.pool.dropManager(this.id).catch((err: Error) => this.options.logger.warn({ err: err.message }, 'could not remove this manager\'s workers from the pool'));
  }
}
