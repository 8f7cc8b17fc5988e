import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** The header that answers an invocation's request id; Nubo makes every one (a caller's is refused). */
export const requestIdHeader = 'x-nubo-request-id';

/** `async` queues the call and answers 202 at once; leave it out (or `sync`) to wait for the result. */
export const invocationTypeHeader = 'x-nubo-invocation-type';
export const invocationTypes = ['sync', 'async'] as const;
/** The same key (per function, within NUBO_ASYNC_RETENTION_MS) queues an event once. */
export const idempotencyKeyHeader = 'idempotency-key';
export const maxIdempotencyKeyLength = 256;

/**
 * A new request id: a UUID that begins with the time in milliseconds (RFC 9562's version 7), so
 * the invocation logs' keys grow in order and a batch of records extends one end of their index
 * instead of changing a random page of it per record.
 */
export function newRequestId(): string {
  const time = Date.now().toString(16).padStart(12, '0');
  // randomUUID's version digit (index 14) becomes 7; its variant and random bits are kept.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}

/**
 * A caller's own id for a call, kept beside the request id Nubo makes (which no caller chooses, so
 * no tenant can take, suppress or probe another's): answered back in this header, stored in the
 * call's records and findable in the caller's own logs.
 */
export const correlationIdHeader = 'x-nubo-correlation-id';
export const maxCorrelationIdLength = 128;
const correlationIdPattern = /^[\x21-\x7e]{1,128}$/;

/** The correlation id a caller sent: 1–128 visible ASCII characters; anything else is none (null). */
export function callerCorrelationId(value: string | string[] | undefined): string | null {
  return typeof value === 'string' && correlationIdPattern.test(value) ? value : null;
}

/** Short random id for users, functions, keys and workers. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

/**
 * A request id made from a name (a schedule's tick, an event's destination), the same wherever it is
 * made, so a second gateway making it again finds the first one's event instead of adding another.
 */
export function derivedRequestId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  // RFC 9562's version 8 (custom) with its variant bits, so it reads as the UUID it is.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
