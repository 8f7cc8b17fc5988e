import type { Session, User } from '@nubo/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Authenticator } from './authenticate.js';
import { singleUserBars, singleUserError } from './single-user.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the authenticated-routes hook; only routes registered inside it read it. */
    user: User;
    /** The console session the request came with; null with an API key. */
    session: Session | null;
  }
}

/**
 * Registers routes that all need an API key (or the console's session) in one encapsulated plugin:
 * its onRequest hook resolves the caller (401 before any body is read) and sets `request.user`.
 */
export function authenticatedRoutes(
  auth: Authenticator,
  singleUserReason: string | null,
  routes: FastifyPluginAsyncZod[],
): FastifyPluginAsyncZod {
  return async (app) => {
    app.decorateRequest('user', null as unknown as User);
    app.decorateRequest('session', null);
    app.addHook('onRequest', async (request) => {
      const caller = await auth.requireCaller(request);
      request.user = caller.user;
      request.session = caller.session;
      if (singleUserBars(singleUserReason, request.user)) throw singleUserError(singleUserReason);
    });
    for (const register of routes) await app.register(register);
  };
}
