import { hostname } from 'node:os';
import { newId, RecurringTask, type GatewayRegistry, type Logger } from '@nubo/core';

/** Announces this gateway in the registry every heartbeat once it listens, and withdraws it on close. */
export class GatewayPresence {
  readonly id = newId('gw');
  private readonly startedAt = Date.now();
  private task: RecurringTask | undefined;

  constructor(
    private readonly registry: GatewayRegistry,
    private readonly heartbeatMs: number,
    private readonly logger: Logger,
  ) {}

  announce(url: string): void {
    const record = { id: this.id, url, hostname: hostname(), pid: process.pid, startedAt: this.startedAt };
    this.task = new RecurringTask({
      intervalMs: this.heartbeatMs,
      run: () => this.registry.heartbeat(record),
      onError: (err) => this.logger.warn({ err: err.message }, 'cannot announce this gateway; the cluster view will miss it'),
    });
    this.task.start();
    this.task.kick();
  }

  async withdraw(): Promise<void> {
    if (!this.task) return;
    await this.task.stop();
    await this.registry.deregister(this.id).catch(() => undefined);
  }
}
