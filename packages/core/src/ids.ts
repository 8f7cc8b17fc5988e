import { randomBytes, randomUUID } from 'node:crypto';

/** The header that carries an invocation's request id, both ways. */
export const requestIdHeader = 'x-nubo-request-id';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newRequestId(): string {
  return randomUUID();
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
