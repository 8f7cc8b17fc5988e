import { NuboError, type Logger, type WorkerFreezer, type WorkerPool } from '@nubo/core';

/** A cgroup that is gone with its worker: there is nothing left to freeze or thaw. */
const isGone = (err: unknown) => ['ENODEV', 'ENOENT'].includes((err as NodeJS.ErrnoException).code ?? '');

/**
 * Freezes a node's idle workers so a function computes only while it serves a call, and thaws
 * them for their next taker. Each worker's freezes and thaws run in order (a thaw asked while its
 * freeze is under way runs after it).
 */
export class IdleFreezing {
  private readonly frozen = new Set<string>();
  private readonly control = new Map<string, Promise<void>>();

  constructor(
    private readonly options: {
      managerId: string;
      freezer: WorkerFreezer;
      pool: WorkerPool;
      logger: Logger;
      /** Whether the node still runs this worker. */
      runs: (workerId: string) => boolean;
    },
  ) {}

  /** Runs a freeze or thaw of one worker after every earlier one of it. */
  private inOrder(workerId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.control.get(workerId) ?? Promise.resolve()).then(step, step);
    const settled = next.catch(() => undefined);
    this.control.set(workerId, settled);
    void settled.then(() => {
      if (this.control.get(workerId) === settled) this.control.delete(workerId);
    });
    return next;
  }

  /** Freezes this node's idle workers unused since `idleSince`: the pool marks each once, so its next taker thaws it. */
  async freezeIdle(idleSince: number): Promise<number> {
    const { pool, freezer, logger, managerId, runs } = this.options;
    const marked = await pool.freezeIdle(managerId, idleSince);
    // Queued at once, before any thaw of these workers can be asked for (this process runs one thing at a time).
    for (const worker of marked)
      void this.inOrder(worker.id, async () => {
        if (!runs(worker.id)) return;
        await freezer.freeze(worker.id);
        this.frozen.add(worker.id);
      }).catch((err: Error) =>
        // A worker that ended by itself loses its cgroup before its exit is handled.
        isGone(err)
          ? logger.debug({ worker: worker.id }, 'an idle worker ended before it was frozen')
          : logger.warn({ worker: worker.id, err: err.message }, 'could not freeze an idle worker'),
      );
    return marked.length;
  }

  /** Lets a frozen worker run again; nothing for one that is not frozen. */
  thaw(workerId: string): Promise<void> {
    return this.inOrder(workerId, async () => {
      if (!this.frozen.has(workerId)) return;
      try {
        await this.options.freezer.thaw(workerId);
      } catch (err) {
        if (!isGone(err)) throw err;
        throw new NuboError('NUBO_ERR_WORKER_GONE', `Worker ${workerId} ended while it was frozen: take another.`);
      }
      this.frozen.delete(workerId);
    });
  }

  /** Waits for a freeze or thaw of this worker under way (before it is destroyed). */
  async settle(workerId: string): Promise<void> {
    await this.inOrder(workerId, async () => undefined).catch(() => undefined);
  }

  forget(workerId: string): void {
    this.frozen.delete(workerId);
  }

  frozenWorkers(): string[] {
    return [...this.frozen];
  }
}
