import { isNuboError, poolKey, RecurringTask, type Catalog, type DeployedVersion, type Logger } from '@nubo/core';
import type { InvokeTarget } from './invoke/invocation-types.js';
import type { WorkerSupply } from './invoke/worker-supply.js';

export interface PrewarmerDeps {
  catalog: Catalog;
  supply: WorkerSupply;
  logger: Logger;
  intervalMs: number;
}

/** A function whose warm floor the last round could not fill for lack of room. */
export interface WarmShortfall {
  functionId: string;
  /** `owner/name`, for metrics and logs. */
  label: string;
  /** Idle workers of its minWarm that could not be started. */
  missing: number;
}

interface TrackedShortfall extends WarmShortfall {
  /** Whether the last round tried nothing for it (see noteShortfall). */
  quietOnce: boolean;
}

/**
 * Keeps `minWarm` idle workers ready for the active version of every function that asks for them:
 * after a deploy, and again whenever a crash, an eviction or traffic took them. Every gateway runs
 * one; the pool's reserveWarm is atomic, so together they never start more than needed.
 *
 * A floor is a reservation (see warm-floors.ts), so floors fit the cluster; when room shrinks below
 * them (a manager died or drains), prewarming evicts nothing: floors are filled one function after
 * another in the order they were reserved (oldest function first), what does not fit is reported
 * once as a shortfall, and it is filled when room returns.
 */
export class Prewarmer {
  private readonly task: RecurringTask;
  private stopped = false;
  /** The last start failure per pool key, so a lasting one is logged once, not every round. */
  private readonly failing = new Map<string, string>();
  private readonly shortfalls = new Map<string, TrackedShortfall>();

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

  /** Idle workers of a function's floor the last round could not start for lack of room (0: none missing). */
  shortfallOf(functionId: string): number {
    return this.shortfalls.get(functionId)?.missing ?? 0;
  }

  /** Every function whose floor is short now. */
  currentShortfalls(): WarmShortfall[] {
    return [...this.shortfalls.values()];
  }

  private async round(): Promise<void> {
    const targets = reservationOrder(await this.deps.catalog.listWarmTargets());
    const current = new Set(targets.map(({ fn, version }) => poolKey(fn.id, version.version)));
    for (const key of this.failing.keys()) if (!current.has(key)) this.failing.delete(key);
    const functions = new Set(targets.map(({ fn }) => fn.id));
    for (const id of this.shortfalls.keys()) if (!functions.has(id)) this.shortfalls.delete(id);
    // One after another, so when room is short the oldest reservations are filled first, every round alike.
    for (const target of targets) {
      if (this.stopped) return;
      await this.fill(target);
    }
  }

  private async fill(target: InvokeTarget): Promise<void> {
    const key = poolKey(target.fn.id, target.version.version);
    const { started, failures, missing } = await this.deps.supply.fillWarm(target, () => this.stopped);
    const { fn, version } = target;
    this.noteShortfall(target, missing, started);
    for (const failure of failures) {
      if (isNuboError(failure, 'NUBO_ERR_MANAGER_NO_CAPACITY')) continue;
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

  private noteShortfall({ fn, version }: InvokeTarget, missing: number, started: number): void {
    const known = this.shortfalls.get(fn.id);
    const before = known?.missing ?? 0;
    // A round that tried nothing may have seen another gateway's start in flight: the floor counts
    // as filled after two such rounds (or one that started a worker), so the report does not flap.
    if (known && missing === 0 && started === 0 && !known.quietOnce) {
      known.quietOnce = true;
      return;
    }
    if (known && missing > 0) known.quietOnce = false;
    if (missing === before) return;
    const label = `${fn.ownerName}/${fn.name}`;
    const fields = { function: label, version: version.version, minWarm: version.limits.minWarm, missing };
    if (missing > 0) {
      this.shortfalls.set(fn.id, { functionId: fn.id, label, missing, quietOnce: false });
      this.deps.logger.warn(fields, 'warm floor short: the managers have no room for it now; it is filled when room returns');
    } else {
      this.shortfalls.delete(fn.id);
      this.deps.logger.info(fields, 'warm floor filled again');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.task.stop();
  }
}

/** The order floors were reserved in: the older function first, then by id (the same on every gateway). */
function reservationOrder(targets: DeployedVersion[]): DeployedVersion[] {
  return [...targets].sort((a, b) => a.fn.createdAt - b.fn.createdAt || (a.fn.id < b.fn.id ? -1 : a.fn.id > b.fn.id ? 1 : 0));
}
