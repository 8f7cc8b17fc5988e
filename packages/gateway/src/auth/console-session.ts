import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NuboError } from '@nubo/core';
import type { Origins } from '../origins.js';

/**
 * The console's session cookie holds an opaque random token (the catalog keeps only its sha256),
 * never an API key. Over TLS it is `__Host-` prefixed: a browser then takes it only from this very
 * host, Secure, for path `/`, so no other host of the domain can set or shadow it.
 */
export const sessionCookie = { plain: 'nubo_session', secure: '__Host-nubo_session' } as const;
/** Both names, for whoever must keep them away from functions (the HTTP trigger). */
export const sessionCookieNames: readonly string[] = [sessionCookie.secure, sessionCookie.plain];
/** The header the console sends with every request; a cross-site form or script cannot send it. */
export const consoleHeader = 'x-nubo-console';
export const sessionMaxAgeS = 12 * 3600;

/** The session token a request's cookie carries, if any. */
export function sessionToken(request: FastifyRequest): string | null {
  return request.cookies[sessionCookie.secure] ?? request.cookies[sessionCookie.plain] ?? null;
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(secure ? sessionCookie.secure : sessionCookie.plain, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: sessionMaxAgeS,
  });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(secure ? sessionCookie.secure : sessionCookie.plain, { path: '/', secure });
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie goes with every request to this host, whoever made the page that sends it. So a request
 * that changes something and is authenticated by the cookie must carry the console's header (which
 * no cross-site form can set, and no cross-site script without a CORS grant Nubo never gives) and,
 * when the browser says where it came from, come from this very origin.
 */
export function assertSameSite(request: FastifyRequest, origins: Origins): void {
  if (safeMethods.has(request.method)) return;
  const origin = request.headers.origin;
  const ownOrigin = origins.consoleOrigin(request);
  if (request.headers[consoleHeader] !== '1' || (origin !== undefined && origin !== ownOrigin))
    throw new NuboError(
      'NUBO_ERR_AUTH_CROSS_SITE',
      `This request came with the console's session cookie but not from the console${origin && origin !== ownOrigin ? ` (origin ${origin})` : ''}: call the API with "Authorization: Bearer <api key>".`,
    );
}
