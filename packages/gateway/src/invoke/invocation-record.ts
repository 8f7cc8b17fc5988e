import type { InvocationRecord, InvocationStatus, WorkerInfo } from '@nubo/core';
import type { RuntimeReply } from '@nubo/runtime';
import type { InvokeError, InvokeInput } from './invocation-types.js';

/** What one invocation came to, as the log record needs it. */
export interface InvocationFacts {
  requestId: string;
  startedAt: number;
  durationMs: number;
  worker?: WorkerInfo;
  cold: boolean;
  queueMs: number;
  status: InvocationStatus;
  reply?: RuntimeReply;
  error?: InvokeError;
}

/** The one log record of an invocation; the handler's output is cut at `maxLogBytes`. */
export function invocationRecord(input: InvokeInput, facts: InvocationFacts, maxLogBytes: number): InvocationRecord {
  const rawLogs = facts.reply?.logs ?? '';
  const logs =
    Buffer.byteLength(rawLogs) > maxLogBytes ? Buffer.from(rawLogs).subarray(0, maxLogBytes).toString('utf8') : rawLogs;
  return {
    requestId: facts.requestId,
    correlationId: input.correlationId ?? null,
    attempt: input.attempt ?? 1,
    ownerId: input.fn.ownerId,
    functionId: input.fn.id,
    functionName: input.fn.name,
    version: input.version.version,
    trigger: input.trigger,
    startedAt: facts.startedAt,
    durationMs: facts.durationMs,
    initMs: facts.cold && facts.worker ? facts.worker.initMs : null,
    cold: facts.cold,
    stemCell: facts.cold && facts.worker?.stemCell === true,
    queueMs: (input.queuedMs ?? 0) + facts.queueMs,
    memoryUsedMb: facts.reply?.memoryMb ?? null,
    memoryLimitMb: input.version.limits.memoryMb,
    status: facts.status,
    errorType: facts.error?.type ?? null,
    errorMessage: facts.error?.message ?? null,
    logs,
    logsTruncated: (facts.reply?.logsTruncated ?? false) || logs.length < rawLogs.length,
    workerId: facts.worker?.id ?? null,
  };
}
