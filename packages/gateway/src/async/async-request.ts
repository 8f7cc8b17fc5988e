import { NuboError, idempotencyKeyHeader, invocationTypeHeader, invocationTypes, maxIdempotencyKeyLength } from '@nubo/core';
import type { FastifyRequest } from 'fastify';

/** Whether the caller asked for an asynchronous call; an unknown invocation type is a 400. */
export function wantsAsync(request: FastifyRequest): boolean {
  const type = request.headers[invocationTypeHeader];
  if (type === undefined) return false;
  if (typeof type !== 'string' || !(invocationTypes as readonly string[]).includes(type))
    throw new NuboError('NUBO_ERR_REQUEST_INVALID', `${invocationTypeHeader} must be one of ${invocationTypes.join(', ')}.`);
  return type === 'async';
}

/** The caller's idempotency key, if any: 1–256 visible ASCII characters. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers[idempotencyKeyHeader];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > maxIdempotencyKeyLength || !/^[\x21-\x7e]+$/.test(key))
    throw new NuboError(
      'NUBO_ERR_REQUEST_INVALID',
      `${idempotencyKeyHeader} must be 1–${maxIdempotencyKeyLength} visible ASCII characters (e.g. a UUID).`,
    );
  return key;
}
