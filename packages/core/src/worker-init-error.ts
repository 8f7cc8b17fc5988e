import { NuboError } from './errors.js';

/** What went wrong while a worker loaded its function: the handler's own error, or its runtime ending. */
export interface InitFailure {
  /** The error's type, e.g. HandlerExportMissing, SyntaxError, Runtime.ExitError. */
  type: string;
  message: string;
}

/**
 * A worker could not load its function: the function's fault, not the platform's. Sandboxes throw
 * it, a manager's API sends it on (`errorType` next to the message), a deploy answers it as its own
 * error and an invocation records it with its type.
 */
export class WorkerInitError extends NuboError {
  constructor(readonly failure: InitFailure) {
    super('NUBO_ERR_WORKER_INIT_FAILED', failure.message, { errorType: failure.type });
  }
}
