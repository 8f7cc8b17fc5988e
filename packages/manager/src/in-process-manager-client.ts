import type { ManagerClient, ManagerLoadView, RuntimeId, StartOptions, WorkerExit, WorkerInfo, WorkerSpec } from '@nubo/core';
import type { Manager } from './manager.js';

/** Embedded mode: the gateway calls the manager in the same process. */
export class InProcessManagerClient implements ManagerClient {
  constructor(private readonly manager: Manager) {}

  startWorker(spec: WorkerSpec, options?: StartOptions): Promise<WorkerInfo> {
    return this.manager.startWorker(spec, options);
  }

  destroyWorker(worker: WorkerInfo, options?: { graceMs?: number }): Promise<WorkerExit | null> {
    return this.manager.destroyWorker(worker.id, options);
  }

  async runtimes(): Promise<readonly RuntimeId[]> {
    return this.manager.runtimes;
  }

  async loads(): Promise<ManagerLoadView[]> {
    const { capacity, used, draining, evictions } = this.manager.load();
    return [{ id: this.manager.id, capacity, used, draining, evictions }];
  }

  thawWorker(worker: WorkerInfo): Promise<void> {
    return this.manager.thawWorker(worker.id);
  }

  dropCode(digest: string): Promise<void> {
    return this.manager.dropCode(digest);
  }

  async close(): Promise<void> {}
}
