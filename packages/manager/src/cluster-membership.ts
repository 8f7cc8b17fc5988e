import { RecurringTask, type Logger, type ManagerRegistry, type WorkerPool } from '@nubo/core';
import type { Manager } from './manager.js';

export interface MembershipOptions {
  manager: Manager;
  pool: WorkerPool;
  registry: ManagerRegistry;
  url: string;
  advertiseIp: string;
  heartbeatMs: number;
  logger: Logger;
}

/**
 * A manager's place in the cluster: it heartbeats its address and load into the registry, and
 * cleans up after managers whose heartbeat stopped (their workers leave the pool).
 */
export class ClusterMembership {
  private readonly heartbeats: RecurringTask;
  /** Heartbeats that succeeded in a row; other managers are judged only after two. */
  private beatsInARow = 0;

  constructor(private readonly options: MembershipOptions) {
    this.heartbeats = new RecurringTask({
      intervalMs: options.heartbeatMs,
      run: () => this.tick(),
      onError: (err) => options.logger.error({ err: err.message }, 'heartbeat failed'),
    });
  }

  private async beat(): Promise<void> {
    const { manager, registry } = this.options;
    const registered = (await registry.all()).some((m) => m.id === manager.id);
    const load = manager.load();
    await registry.heartbeat({
      id: manager.id,
      url: this.options.url,
      advertiseIp: this.options.advertiseIp,
      capacity: load.capacity,
      used: load.used,
      draining: load.draining,
      runtimes: [...manager.runtimes],
      evictions: load.evictions,
      stems: load.stems,
    });
    if (!registered && this.beatsInARow > 0) {
      // Another manager judged this one dead (Redis was unreachable too long) and took its workers
      // out of the pool: they can never be handed out again, so they go.
      const orphans = manager.liveWorkers();
      this.options.logger.warn(
        { orphans: orphans.length },
        'this manager was declared dead while cut off from Redis; destroying its workers',
      );
      await Promise.all(orphans.map((w) => manager.destroyWorker(w.id)));
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.beat();
      this.beatsInARow += 1;
    } catch (err) {
      this.beatsInARow = 0;
      throw err;
    }
    // Right after an outage every heartbeat is stale: give the others one interval to beat again.
    if (this.beatsInARow >= 2) await this.sweepDeadManagers();
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
    this.beatsInARow = 1;
    this.heartbeats.start();
  }

  /** Tells the gateways at once to start no more workers here; heartbeats go on while busy workers finish. */
  async startDraining(): Promise<void> {
    this.options.manager.stopStarting();
    await this.beat();
  }

  async stop(): Promise<void> {
    await this.heartbeats.stop();
    await this.options.registry.deregister(this.options.manager.id).catch(() => undefined);
  }
}
