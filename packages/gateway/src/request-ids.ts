import type { FastifyRequest } from 'fastify';
import { NuboError, callerCorrelationId, correlationIdHeader, maxCorrelationIdLength, requestIdHeader } from '@nubo/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's own id for the call (x-nubo-correlation-id), or null. */
    correlationId: string | null;
  }
}

/**
 * Nubo makes every request id itself, so no caller can take, suppress or probe another's; a
 * caller's own id travels as its correlation id. Answers the request's correlation id, or why the
 * headers are refused (null when they are fine).
 */
export function idHeadersProblem(headers: FastifyRequest['headers']): NuboError | null {
  if (headers[requestIdHeader] !== undefined)
    return new NuboError(
      'NUBO_ERR_REQUEST_INVALID',
      `Nubo makes the request id of every call: leave ${requestIdHeader} out, and send your own id as ${correlationIdHeader} (1–${maxCorrelationIdLength} visible ASCII characters).`,
    );
  const sent = headers[correlationIdHeader];
  if (sent !== undefined && callerCorrelationId(sent) === null)
    return new NuboError(
      'NUBO_ERR_REQUEST_INVALID',
      `The ${correlationIdHeader} header must be 1–${maxCorrelationIdLength} visible ASCII characters (no spaces).`,
    );
  return null;
}

/** The caller's correlation id, from headers that passed `idHeadersProblem`. */
export function correlationIdOf(headers: FastifyRequest['headers']): string | null {
  return callerCorrelationId(headers[correlationIdHeader]);
}
