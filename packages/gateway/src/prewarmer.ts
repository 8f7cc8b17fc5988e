import { poolKey, RecurringTask, type Catalog, type Logger } from '@nubo/core';
import type { InvokeTarget } from './invoke/invocation-types.js';
import type { WorkerSupply } from './invoke/worker-supply.js';

export interface PrewarmerDeps {
  catalog: Catalog;
  supply: WorkerSupply;
  logger: Logger;
  intervalMs: number;
}

/**
 * Keeps `minWarm` idle workers ready for the active version of every function that asks for them:
 * after a deploy, and again whenever a crash, an eviction or traffic took them. Every gateway runs
 * one; the pool's reserveWarm is atomic, so together they never start more than needed.
 */
export class Prewarmer {
  private readonly task: RecurringTask;
  private stopped = false;
  /** The last start failure per pool key, so a lasting one is logged once, not every round. */
  private readonly failing = new Map<string, string>();

  constructor(private readonly deps: PrewarmerDeps) {
    this.task = new RecurringTask({
      intervalMs: deps.intervalMs,
      run: () => this.round(),
      onError: (err) => deps.logger.warn({ err: err.message }, 'prewarming failed; trying again next round'),
    });
  }

  start(): void {
    this.task.start();
    this.task.kick();
  }

  /** Runs a round now (after a deploy), or right after the one in progress. */
  kick(): void {
    this.task.kick();
  }

  private async round(): Promise<void> {
    const targets = await this.deps.catalog.listWarmTargets();
    const current = new Set(targets.map(({ fn, version }) => poolKey(fn.id, version.version)));
    for (const key of this.failing.keys()) if (!current.has(key)) this.failing.delete(key);
    await Promise.all(targets.map((target) => this.fill(target)));
  }

  private async fill(target: InvokeTarget): Promise<void> {
    const key = poolKey(target.fn.id, target.version.version);
    const { started, failures } = await this.deps.supply.fillWarm(target, () => this.stopped);
    const { fn, version } = target;
    for (const failure of failures) {
      if (this.failing.get(key) !== failure.message) {
        this.deps.logger.warn(
          { function: fn.name, version: version.version, err: failure.message },
          'could not prewarm a worker; retrying every round',
        );
      }
      this.failing.set(key, failure.message);
    }
    if (started > 0 && failures.length === 0 && this.failing.delete(key))
      this.deps.logger.info({ function: fn.name, version: version.version }, 'prewarming works again');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.task.stop();
  }
}
