import {
  runtimeIds,
  type RuntimeId,
  type Sandbox,
  type SandboxStartRequest,
  type SandboxWorker,
  type WorkerExit,
  type WorkerFreezer,
} from '@nubo/core';

/** The bookkeeping every sandbox shares: its running workers and who is told when one ends by itself. */
export abstract class TrackedSandbox<Running> implements Sandbox {
  abstract readonly kind: string;
  abstract readonly freezer: WorkerFreezer | null;
  readonly runtimes: readonly RuntimeId[] = runtimeIds;
  protected readonly workers = new Map<string, Running>();
  private readonly exitListeners: ((workerId: string, exit: WorkerExit) => void)[] = [];

  abstract start(request: SandboxStartRequest): Promise<SandboxWorker>;
  abstract destroy(workerId: string, options?: { graceMs?: number }): Promise<WorkerExit | null>;

  onUnexpectedExit(listener: (workerId: string, exit: WorkerExit) => void): void {
    this.exitListeners.push(listener);
  }

  /** For subclasses: a worker ended without being asked to. */
  protected reportUnexpectedExit(workerId: string, exit: WorkerExit): void {
    for (const listener of this.exitListeners) listener(workerId, exit);
  }

  running(): string[] {
    return [...this.workers.keys()];
  }

  async destroyAll(): Promise<void> {
    await Promise.all(this.running().map((id) => this.destroy(id)));
  }
}
