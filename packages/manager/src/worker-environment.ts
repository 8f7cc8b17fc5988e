import type { WorkerSpec } from '@nubo/core';
import type { WorkerEnvironment } from '@nubo/runtime';

/** The runtime's settings for one worker (the runtime's protocol), plus what the sandbox adds. */
export function workerEnvironment(
  spec: WorkerSpec,
  extra: Omit<Partial<WorkerEnvironment>, keyof WorkerSpec>,
): WorkerEnvironment {
  return {
    NUBO_HANDLER: spec.handler,
    NUBO_FUNCTION_NAME: spec.functionName,
    NUBO_FUNCTION_VERSION: String(spec.version),
    NUBO_MEMORY_MB: String(spec.memoryMb),
    ...extra,
  };
}
