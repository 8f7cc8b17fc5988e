import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NuboError } from '@nubo/core';

/** The console's session cookie: `<key id>:<api key>` of a key issued at sign-in and revoked at sign-out. */
export const sessionCookie = 'nubo_session';
/** The header the console sends with every request; a cross-site form or script cannot send it. */
export const consoleHeader = 'x-nubo-console';
export const sessionMaxAgeS = 12 * 3600;
/** The name of the API keys that back console sessions (they show in the key list). */
export const sessionKeyName = 'console';

export interface SessionCredential {
  keyId: string;
  apiKey: string;
}

export function sessionCredential(request: FastifyRequest): SessionCredential | null {
  const value = request.cookies[sessionCookie];
  const colon = value?.indexOf(':') ?? -1;
  if (!value || colon <= 0) return null;
  return { keyId: value.slice(0, colon), apiKey: value.slice(colon + 1) };
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, credential: SessionCredential): void {
  reply.setCookie(sessionCookie, `${credential.keyId}:${credential.apiKey}`, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: sessionMaxAgeS,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(sessionCookie, { path: '/' });
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie goes with every request to this host, whoever made the page that sends it. So a request
 * that changes something and is authenticated by the cookie must carry the console's header (which
 * no cross-site form can set, and no cross-site script without a CORS grant Nubo never gives) and,
 * when the browser says where it came from, come from this very origin.
 */
export function assertSameSite(request: FastifyRequest): void {
  if (safeMethods.has(request.method)) return;
  const origin = request.headers.origin;
  const ownOrigin = `${request.protocol}://${request.headers.host}`;
  if (request.headers[consoleHeader] !== '1' || (origin !== undefined && origin !== ownOrigin))
    throw new NuboError(
      'NUBO_ERR_AUTH_CROSS_SITE',
      `This request came with the console's session cookie but not from the console${origin && origin !== ownOrigin ? ` (origin ${origin})` : ''}: call the API with "Authorization: Bearer <api key>".`,
    );
}
