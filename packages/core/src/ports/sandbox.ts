import type { RuntimeId, WorkerExit, WorkerSpec } from '../types.js';

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

/**
 * Runs a worker (the runtime server plus the user's code) in isolation and tells where it
 * listens. Start resolves once the runtime has loaded the handler and is ready to serve.
 */
export interface Sandbox {
  readonly kind: string;
  /** The runtimes this sandbox can run. */
  readonly runtimes: readonly RuntimeId[];
  start(request: SandboxStartRequest): Promise<SandboxWorker>;
  /**
   * Ends a worker and tells how it ended. `graceMs` lets a worker that is already dying finish by
   * itself first, so a crash or an out-of-memory exit is reported as such.
   */
  destroy(workerId: string, options?: { graceMs?: number }): Promise<WorkerExit | null>;
  /** Called when a worker ends by itself (crash, kill from outside), not when it is destroyed. */
  onUnexpectedExit(listener: (workerId: string, exit: WorkerExit) => void): void;
  /** Ids of the workers this sandbox runs. */
  running(): string[];
  destroyAll(): Promise<void>;
}
