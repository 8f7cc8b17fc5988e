import type { FastifyReply } from 'fastify';
import { NuboError, requestIdHeader, type ErrorCode, type InvocationStatus } from '@nubo/core';
import type { InvokeError, InvokeOutcome } from './invocation-types.js';
import { sendError } from '@nubo/http';

const failureCodes: Record<Exclude<InvocationStatus, 'ok'>, ErrorCode> = {
  error: 'NUBO_ERR_INVOKE_FUNCTION_ERROR',
  timeout: 'NUBO_ERR_INVOKE_TIMEOUT',
  crash: 'NUBO_ERR_INVOKE_CRASH',
  oom: 'NUBO_ERR_INVOKE_OOM',
  rejected: 'NUBO_ERR_INVOKE_AT_CAPACITY',
};

export function setInvocationHeaders(reply: FastifyReply, outcome: InvokeOutcome): void {
  reply.header(requestIdHeader, outcome.requestId);
  reply.header('x-nubo-cold-start', String(outcome.cold));
  reply.header('x-nubo-duration-ms', String(outcome.durationMs));
  reply.header('x-nubo-status', outcome.status);
}

/** Answers a failed invocation: 502 function error or crash, 504 timeout, 429 at capacity. */
export function sendFailure(reply: FastifyReply, outcome: InvokeOutcome): FastifyReply {
  const status = outcome.status as Exclude<InvocationStatus, 'ok'>;
  const error: InvokeError = outcome.error ?? { type: 'Error', message: 'The invocation failed.' };
  return sendError(reply, new NuboError(error.code ?? failureCodes[status], error.message), {
    type: error.type,
    ...(error.stack ? { stack: error.stack } : {}),
    requestId: outcome.requestId,
    status,
  });
}
