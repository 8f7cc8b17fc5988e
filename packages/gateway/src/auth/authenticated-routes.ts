import type { User } from '@nubo/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Authenticator } from './authenticate.js';
import { singleUserBars, singleUserError } from './single-user.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the authenticated-routes hook; only routes registered inside it read it. */
    user: User;
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
    app.addHook('onRequest', async (request) => {
      request.user = await auth.requireUserOrSession(request);
      if (singleUserBars(singleUserReason, request.user)) throw singleUserError(singleUserReason);
    });
    for (const register of routes) await app.register(register);
  };
}
