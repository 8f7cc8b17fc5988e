import type { RuntimeId } from '../runtimes.js';
import type { NetworkAccess, WorkerExit, WorkerSpec } from '../types.js';

export interface SandboxStartRequest {
  workerId: string;
  spec: WorkerSpec;
  /** Directory holding the function's extracted code, to be used read-only. */
  codeDir: string;
  /** The secret the worker's runtime must demand of every call. */
  secret: string;
}

export interface SandboxWorker {
  workerId: string;
  /** Where the gateway calls it: `host:port`, or `unix:/path` for a gateway in the same process. */
  address: string;
}

/** What a stem cell can become: a pre-started, sandboxed runtime with no function yet. */
export interface StemKey {
  runtime: RuntimeId;
  memoryMb: number;
  network: NetworkAccess;
}

export function stemKeyOf(spec: Pick<WorkerSpec, 'runtime' | 'memoryMb' | 'network'>): StemKey {
  return { runtime: spec.runtime, memoryMb: spec.memoryMb, network: spec.network };
}

/** A kind of stem cell as one string (`node22/128/egress`): how managers report the kinds they hold ready. */
export function stemKindId(key: StemKey): string {
  return `${key.runtime}/${key.memoryMb}/${key.network}`;
}

/** Stops every process of an idle worker until it is thawed (a cgroup freezer). */
export interface WorkerFreezer {
  freeze(workerId: string): Promise<void>;
  thaw(workerId: string): Promise<void>;
}

/**
 * Runs a worker (the runtime server plus the user's code) in isolation and tells where it
 * listens. Start resolves once the runtime has loaded the handler and is ready to serve.
 */
export interface Sandbox {
  readonly kind: string;
  /** The runtimes this sandbox can run. */
  readonly runtimes: readonly RuntimeId[];
  /** How idle workers are frozen, so a function computes only while it serves a call; null where they cannot be. */
  readonly freezer: WorkerFreezer | null;
  start(request: SandboxStartRequest): Promise<SandboxWorker>;
  /**
   * Ends a worker and tells how it ended. `graceMs` lets a worker that is already dying finish by
   * itself first, so a crash or an out-of-memory exit is reported as such.
   */
  destroy(workerId: string, options?: { graceMs?: number }): Promise<WorkerExit | null>;
  /** Called when a worker ends by itself (crash, kill from outside), not when it is destroyed. */
  onUnexpectedExit(listener: (workerId: string, exit: WorkerExit) => void): void;
  /** Ids of the workers this sandbox runs (stem cells included). */
  running(): string[];
  /**
   * Starts a stem cell under `workerId`: sandboxed as any worker of `key` would be, listening, with
   * no code, environment or secret. Sandboxes without stem cells leave this out.
   */
  startStem?(workerId: string, key: StemKey): Promise<void>;
  /**
   * Makes a stem cell the worker of `request.spec`, once: its code is put where the runtime reads
   * it, then the runtime gets the environment and secret over its private control channel and
   * loads the handler. Resolves like `start`.
   */
  specialise?(request: SandboxStartRequest): Promise<SandboxWorker>;
  destroyAll(): Promise<void>;
}
