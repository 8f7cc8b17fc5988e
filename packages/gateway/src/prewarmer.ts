import {
  poolKey,
  type Catalog,
  type FunctionRecord,
  type FunctionVersion,
  type Logger,
  type ManagerClient,
  type WorkerInfo,
  type WorkerPool,
} from '@nubo/core';
import { specOf } from './invoke/invoker.js';

export interface PrewarmerDeps {
  catalog: Catalog;
  pool: WorkerPool;
  managers: ManagerClient;
  logger: Logger;
  intervalMs: number;
}

/**
 * Keeps `minWarm` idle workers ready for the active version of every function that asks for them:
 * after a deploy, and again whenever a crash, an eviction or traffic took them. Every gateway runs
 * one; the pool's reserveWarm is atomic, so together they never start more than needed.
 */
export class Prewarmer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The last start failure per pool key, so a lasting one is logged once, not every round. */
  private readonly failing = new Map<string, string>();

  constructor(private readonly deps: PrewarmerDeps) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.deps.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a round now (after a deploy), or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'prewarming failed; trying again next round'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async round(): Promise<void> {
    const targets = await this.deps.catalog.listWarmTargets();
    const current = new Set(targets.map(({ fn, version }) => poolKey(fn.id, version.version)));
    for (const key of this.failing.keys()) if (!current.has(key)) this.failing.delete(key);
    await Promise.all(targets.map(({ fn, version }) => this.fill(fn, version)));
  }

  private async fill(fn: FunctionRecord, version: FunctionVersion): Promise<void> {
    const key = poolKey(fn.id, version.version);
    const options = { minIdle: version.limits.minWarm, maxWorkers: version.limits.maxConcurrency };
    const starts: Promise<void>[] = [];
    for (
      let ticket = await this.deps.pool.reserveWarm(key, options);
      ticket && !this.stopped;
      ticket = await this.deps.pool.reserveWarm(key, options)
    ) {
      starts.push(this.startOne(key, ticket, fn, version));
    }
    await Promise.all(starts);
  }

  private async startOne(key: string, ticket: string, fn: FunctionRecord, version: FunctionVersion): Promise<void> {
    let worker: WorkerInfo;
    try {
      worker = await this.deps.managers.startWorker(specOf(fn, version));
    } catch (err) {
      await this.deps.pool.cancelStart(key, ticket).catch(() => undefined);
      const message = (err as Error).message;
      if (this.failing.get(key) !== message)
        this.deps.logger.warn(
          { function: fn.name, version: version.version, err: message },
          'could not prewarm a worker; retrying every round',
        );
      this.failing.set(key, message);
      return;
    }
    if (this.failing.delete(key))
      this.deps.logger.info({ function: fn.name, version: version.version }, 'prewarming works again');
    // A deploy or removal since the reservation retired the key: this worker has nothing to serve.
    if (!(await this.deps.pool.adoptIdle(key, ticket, worker).catch(() => false)))
      await this.deps.managers.destroyWorker(worker).catch(() => null);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
