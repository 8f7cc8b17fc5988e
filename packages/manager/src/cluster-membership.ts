import type { Logger, ManagerRegistry, WorkerPool } from '@nubo/core';
import type { Manager } from './manager.js';

export interface MembershipOptions {
  manager: Manager;
  pool: WorkerPool;
  registry: ManagerRegistry;
  url: string;
  advertiseIp: string;
  capacity: number;
  heartbeatMs: number;
  logger: Logger;
}

/**
 * A manager's place in the cluster: it heartbeats its address and load into the registry, and
 * cleans up after managers whose heartbeat stopped (their workers leave the pool).
 */
export class ClusterMembership {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly options: MembershipOptions) {}

  private async beat(): Promise<void> {
    const { manager, registry } = this.options;
    await registry.heartbeat({ id: manager.id, url: this.options.url, advertiseIp: this.options.advertiseIp, capacity: this.options.capacity, running: manager.liveWorkers().length });
  }

  private async sweepDeadManagers(): Promise<void> {
    for (const dead of await this.options.registry.dead()) {
      if (dead.id === this.options.manager.id) continue;
      const dropped = await this.options.pool.dropManager(dead.id);
      await this.options.registry.deregister(dead.id);
      this.options.logger.warn({ manager: dead.id, dropped }, 'manager stopped heartbeating: its workers left the pool');
    }
  }

  async start(): Promise<void> {
    // Workers a previous run of this manager left in the pool are gone with that process.
    const stale = await this.options.pool.dropManager(this.options.manager.id);
    if (stale > 0) this.options.logger.warn({ stale }, 'dropped workers of an earlier run of this manager from the pool');
    await this.beat();
    this.timer = setInterval(() => {
      this.ticking ??= Promise.all([this.beat(), this.sweepDeadManagers()])
        .then(() => undefined)
        .catch((err: Error) => this.options.logger.error({ err: err.message }, 'heartbeat failed'))
        .finally(() => (this.ticking = undefined));
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await this.options.registry.deregister(this.options.manager.id).catch(() => undefined);
  }
}
