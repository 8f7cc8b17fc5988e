import type { WorkerSpec } from '@nubo/core';
import type { InvokeTarget } from './invocation-types.js';

/** What a manager needs to start a worker of one function version. */
export function specOf({ fn, version, pinned }: InvokeTarget): WorkerSpec {
  return {
    functionId: fn.id,
    functionName: fn.name,
    version: version.version,
    runtime: version.runtime,
    handler: version.handler,
    codeDigest: version.codeDigest,
    env: version.env,
    network: version.network,
    memoryMb: version.limits.memoryMb,
    timeoutMs: version.limits.timeoutMs,
    idleTtlMs: version.limits.idleTtlMs,
    // A version called by its number keeps no warm floor: nothing points at it, so it scales to zero.
    minWarm: pinned ? 0 : version.limits.minWarm,
    ...(pinned ? { pinned: true } : {}),
  };
}
