import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** The header that carries an invocation's request id, both ways. */
export const requestIdHeader = 'x-nubo-request-id';

/** `async` queues the call and answers 202 at once; leave it out (or `sync`) to wait for the result. */
export const invocationTypeHeader = 'x-nubo-invocation-type';
export const invocationTypes = ['sync', 'async'] as const;
/** The same key (per function, within NUBO_ASYNC_RETENTION_MS) queues an event once. */
export const idempotencyKeyHeader = 'idempotency-key';
export const maxIdempotencyKeyLength = 256;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
 * The request id a caller sent, when it is one Nubo could have minted (a UUID, any case; answered
 * in lower case). Anything else is not an id: null.
 */
export function callerRequestId(value: string | string[] | undefined): string | null {
  if (typeof value !== 'string') return null;
  const lower = value.toLowerCase();
  return uuid.test(lower) ? lower : null;
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
