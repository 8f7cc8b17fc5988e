import type { RuntimeId, WorkerExit, WorkerInfo, WorkerSpec } from '../types.js';

/** How the gateway asks a manager for workers. The manager never runs an invocation itself. */
export interface ManagerClient {
  /** Starts a worker and answers its address once it is ready. */
  startWorker(spec: WorkerSpec): Promise<WorkerInfo>;
  /** Destroys a worker; see `Sandbox.destroy` for `graceMs`. */
  destroyWorker(worker: WorkerInfo, options?: { graceMs?: number }): Promise<WorkerExit | null>;
  /** The runtimes the managers' sandboxes can run now (for a deploy's check). */
  runtimes(): Promise<readonly RuntimeId[]>;
  close(): Promise<void>;
}
