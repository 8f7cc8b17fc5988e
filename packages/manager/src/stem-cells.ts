import { setTimeout as sleep } from 'node:timers/promises';
import { newId, stemKindId, type Logger, type Room, type Sandbox, type StemKey } from '@nubo/core';

export interface StemCellOptions {
  /** Ready stem cells kept per kind (runtime, memory, network) this node has cold-started. */
  perKey: number;
  /** Least time between two stem-cell starts on this node (0: each as soon as the start gate lets it). */
  refillIntervalMs: number;
  sandbox: Required<Pick<Sandbox, 'startStem'>>;
  /** Reserves a node's room for a stem cell without evicting anything; false when there is none. */
  reserve(workerId: string, memoryMb: number): boolean;
  release(workerId: string): void;
  /** Runs a start within the node's limit of concurrent starts. */
  gated<T>(start: () => Promise<T>): Promise<T>;
  destroy(workerId: string): Promise<void>;
  logger: Logger;
}

/**
 * A node's pool of stem cells: pre-started, sandboxed runtimes with no function, per
 * kind of worker this node has had to cold-start. A cold start takes one and specialises it; the
 * pool refills in the background. Stem cells count against the node's room and are the first to
 * go when a worker needs it.
 */
export class StemCells {
  private readonly ready = new Map<string, string[]>();
  private readonly starting = new Map<string, number>();
  /** Stem cells being started or destroyed, by worker id. */
  private readonly transientIds = new Set<string>();
  private readonly kinds = new Map<string, StemKey>();
  /** Refills in progress: stopping waits for them, so no stem cell starts after the node stopped. */
  private readonly refills = new Set<Promise<void>>();
  /** Stem-cell starts in progress (each holds room): an eviction waits for them, not for a refill's interval. */
  private readonly startsInFlight = new Set<Promise<boolean>>();
  /** Aborted when the node stops: ends refills waiting for their interval. */
  private readonly stopping = new AbortController();
  /** `Date.now()` before which no stem cell starts (the refill interval). */
  private nextStartAt = 0;

  constructor(private readonly options: StemCellOptions) {}

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Ready stem cells, all kinds together. */
  get count(): number {
    let n = 0;
    for (const ids of this.ready.values()) n += ids.length;
    return n;
  }

  /** Ready stem cells per kind (kinds with none left out), and the memory they hold. */
  readiness(): { byKind: Record<string, number>; room: Room } {
    const byKind: Record<string, number> = {};
    let memoryMb = 0;
    let workers = 0;
    for (const [id, ids] of this.ready) {
      if (ids.length === 0) continue;
      byKind[id] = ids.length;
      workers += ids.length;
      memoryMb += ids.length * this.kinds.get(id)!.memoryMb;
    }
    return { byKind, room: { workers, memoryMb } };
  }

  /** Whether this worker id is a stem cell: starting, ready or being destroyed. */
  holds(workerId: string): boolean {
    if (this.transientIds.has(workerId)) return true;
    for (const ids of this.ready.values()) if (ids.includes(workerId)) return true;
    return false;
  }

  /** A ready stem cell of this kind (now the caller's), or null; a taken one is replaced, whatever becomes of it. */
  take(key: StemKey): string | null {
    const id = stemKindId(key);
    const workerId = this.ready.get(id)?.shift() ?? null;
    if (workerId) this.track(this.refill(id));
    return workerId;
  }

  /** This kind is wanted: keep `perKey` of it ready from now on. */
  want(key: StemKey): void {
    const id = stemKindId(key);
    this.kinds.set(id, key);
    this.track(this.refill(id));
  }

  private track(refill: Promise<void>): void {
    this.refills.add(refill);
    const done = () => this.refills.delete(refill);
    refill.then(done, done);
  }

  private async refill(id: string): Promise<void> {
    const key = this.kinds.get(id)!;
    const have = () => (this.ready.get(id)?.length ?? 0) + (this.starting.get(id) ?? 0);
    while (!this.stopped && have() < this.options.perKey) {
      // Another refill of this kind may have started one meanwhile: count again after the wait.
      if (!(await this.untilRefillTurn()) || have() >= this.options.perKey) return;
      const workerId = newId('wrk');
      if (!this.options.reserve(workerId, key.memoryMb)) return;
      this.nextStartAt = Date.now() + this.options.refillIntervalMs;
      const started = this.startOne(id, key, workerId);
      this.startsInFlight.add(started);
      const ready = await started;
      this.startsInFlight.delete(started);
      if (!ready) return;
    }
  }

  /** Starts one stem cell in room reserved for it; true once it is ready (it never throws). */
  private async startOne(id: string, key: StemKey, workerId: string): Promise<boolean> {
    this.starting.set(id, (this.starting.get(id) ?? 0) + 1);
    this.transientIds.add(workerId);
    try {
      await this.options.gated(() => this.options.sandbox.startStem(workerId, key));
      if (this.stopped) {
        await this.destroy(workerId);
        return false;
      }
      this.ready.set(id, [...(this.ready.get(id) ?? []), workerId]);
      return true;
    } catch (err) {
      this.options.release(workerId);
      // A start cut off by the node stopping is no problem worth a warning.
      if (!this.stopped)
        this.options.logger.warn(
          { err: (err as Error).message, kind: id },
          'could not start a stem cell; cold starts take the usual path',
        );
      return false;
    } finally {
      this.starting.set(id, (this.starting.get(id) ?? 1) - 1);
      this.transientIds.delete(workerId);
    }
  }

  /** Waits until the refill interval lets another stem cell start; false when the node stops meanwhile. */
  private async untilRefillTurn(): Promise<boolean> {
    for (let wait = this.nextStartAt - Date.now(); wait > 0; wait = this.nextStartAt - Date.now()) {
      try {
        await sleep(wait, undefined, { signal: this.stopping.signal, ref: false });
      } catch {
        return false;
      }
    }
    return !this.stopped;
  }

  /**
   * Destroys one stem cell to make room for a worker; false when there is none. One still starting
   * holds room too: it is waited for and then destroyed, so a stem cell never costs a worker its start.
   */
  async evictOne(): Promise<boolean> {
    for (;;) {
      for (const ids of this.ready.values()) {
        const workerId = ids.shift();
        if (workerId === undefined) continue;
        await this.destroy(workerId);
        return true;
      }
      if (this.startsInFlight.size === 0) return false;
      await Promise.race(this.startsInFlight);
    }
  }

  /** A stem cell that ended by itself leaves the pool (true if it was one). */
  forget(workerId: string): boolean {
    for (const [id, ids] of this.ready) {
      const at = ids.indexOf(workerId);
      if (at < 0) continue;
      ids.splice(at, 1);
      this.track(this.refill(id));
      return true;
    }
    return false;
  }

  /** No more stem cells: the ready ones are destroyed. */
  async stop(): Promise<void> {
    this.stopping.abort();
    // A start in flight ends by destroying its stem cell (it sees the node stopped); wait for it.
    await Promise.allSettled([...this.refills]);
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all(all.map((workerId) => this.destroy(workerId)));
  }

  private async destroy(workerId: string): Promise<void> {
    this.transientIds.add(workerId);
    try {
      await this.options.destroy(workerId);
    } finally {
      this.transientIds.delete(workerId);
    }
  }
}
