import { NuboError, correlationIdHeader, requestIdHeader, type ErrorCode, type InvocationStatus } from '@nubo/core';
import { sendError } from '@nubo/http';
import type { InvokeError, InvokeOutcome } from './invocation-types.js';

const failureCodes: Record<Exclude<InvocationStatus, 'ok'>, ErrorCode> = {
  error: 'NUBO_ERR_INVOKE_FUNCTION_ERROR',
  timeout: 'NUBO_ERR_INVOKE_TIMEOUT',
  crash: 'NUBO_ERR_INVOKE_CRASH',
  oom: 'NUBO_ERR_INVOKE_OOM',
  rejected: 'NUBO_ERR_INVOKE_AT_CAPACITY',
};

/** The content type of every invocation's answer (Fastify adds the charset to a string's, not to bytes'). */
export const jsonContentType = 'application/json; charset=utf-8';

/** What an invocation's answer needs of a reply: Fastify's, or the invoke fast lane's on node:http. */
export interface InvocationReply {
  header(name: string, value: string): unknown;
  code(status: number): { send(payload: Record<string, unknown>): unknown };
  type(contentType: typeof jsonContentType): { send(payload: string | Buffer): unknown };
}

export function setInvocationHeaders(reply: Pick<InvocationReply, 'header'>, outcome: InvokeOutcome): void {
  reply.header(requestIdHeader, outcome.requestId);
  if (outcome.correlationId) reply.header(correlationIdHeader, outcome.correlationId);
  reply.header('x-nubo-cold-start', String(outcome.cold));
  reply.header('x-nubo-duration-ms', String(outcome.durationMs));
  reply.header('x-nubo-status', outcome.status);
}

/** Answers a failed invocation: 502 function error or crash, 504 timeout, 429 at capacity. */
export function sendFailure<R extends InvocationReply>(reply: R, outcome: InvokeOutcome): R {
  const status = outcome.status as Exclude<InvocationStatus, 'ok'>;
  const error: InvokeError = outcome.error ?? { type: 'Error', message: 'The invocation failed.' };
  return sendError(reply, new NuboError(error.code ?? failureCodes[status], error.message), {
    type: error.type,
    ...(error.stack ? { stack: error.stack } : {}),
    requestId: outcome.requestId,
    status,
  });
}

/** The answer to a synchronous invoke: the handler's result as JSON, or the failure, with the invocation's headers. */
export function sendInvocation<R extends InvocationReply>(reply: R, outcome: InvokeOutcome): R {
  setInvocationHeaders(reply, outcome);
  if (outcome.status !== 'ok') return sendFailure(reply, outcome);
  reply.type(jsonContentType).send(resultBody(outcome));
  return reply;
}

/** A successful call's answer body: the result's JSON as the worker wrote it, or serialised here. */
export function resultBody(outcome: Pick<InvokeOutcome, 'result' | 'resultJson'>): string | Buffer {
  return outcome.resultJson ?? JSON.stringify(outcome.result ?? null);
}
