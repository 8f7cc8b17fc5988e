import { runtimeOf, type WorkerSpec } from '@nubo/core';
import type { WorkerEnvironment } from '@nubo/runtime';

/** The runtime's settings for one worker (the runtime's protocol), plus what the sandbox adds. */
export function workerEnvironment(
  spec: WorkerSpec,
  secret: string,
  extra: Omit<Partial<WorkerEnvironment>, 'NUBO_WORKER_SECRET'>,
): WorkerEnvironment {
  return {
    NUBO_HANDLER: spec.handler,
    NUBO_FUNCTION_NAME: spec.functionName,
    NUBO_FUNCTION_VERSION: String(spec.version),
    NUBO_MEMORY_MB: String(spec.memoryMb),
    NUBO_WORKER_SECRET: secret,
    ...(runtimeOf(spec.runtime).protocol === 'lambda-runtime-api' ? { NUBO_LAMBDA_RUNTIME_API: '1' as const } : {}),
    ...extra,
  };
}
