import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NuboError, isValidUsername, usernameRule, type Catalog, type User } from '@nubo/core';
import type { Authenticator } from '../auth/authenticate.js';
import { assertSameSite, clearSessionCookie, setSessionCookie } from '../auth/console-session.js';
import { hashPassword, verifyPassword } from '../auth/secrets.js';
import { signInLimiter } from '../auth/sign-in-limits.js';
import { singleUserBars, singleUserError } from '../auth/single-user.js';
import type { Origins } from '../origins.js';
import type { QuotaBook } from '../quotas/quota-book.js';
import type { GatewaySettings } from '../settings.js';
import {
  apiKeySchema,
  credentialsSchema,
  errorBodySchema,
  issuedKeySchema,
  keyIdParamsSchema,
  newKeyRequestSchema,
  sessionIdParamsSchema,
  sessionSchema,
  userSchema,
} from '../schemas.js';

/** Sign-up and login: the routes that give out API keys, so they need none. */
export function signInRoutes(
  catalog: Catalog,
  auth: Authenticator,
  quotas: QuotaBook,
  origins: Origins,
  settings: Pick<GatewaySettings, 'allowSignup' | 'singleUserReason' | 'signInLimits'>,
): FastifyPluginAsyncZod {
  return async (app) => {
    const limited = { preHandler: await signInLimiter(app, settings.signInLimits) };
    app.post(
      '/v1/auth/signup',
      {
        ...limited,
        schema: {
          tags: ['auth'],
          summary: 'Create a user and its first API key (the first user is the admin)',
          body: credentialsSchema,
          response: { 201: issuedKeySchema, '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const { username, password } = request.body;
        if (!isValidUsername(username))
          throw new NuboError('NUBO_ERR_REQUEST_INVALID', `Invalid username "${username}": use ${usernameRule}.`);
        if (settings.singleUserReason && (await catalog.hasUsers())) throw singleUserError(settings.singleUserReason);
        if (!settings.allowSignup && (await catalog.hasUsers()))
          throw new NuboError(
            'NUBO_ERR_AUTH_SIGNUP_DISABLED',
            'Sign-up is switched off on this Nubo (NUBO_ALLOW_SIGNUP=false): ask its admin for an account.',
          );
        const user = await catalog.createUser({ username, passwordHash: await hashPassword(password) });
        return reply.code(201).send(await auth.issueKey(user, 'signup'));
      },
    );

    app.post(
      '/v1/auth/login',
      {
        ...limited,
        schema: {
          tags: ['auth'],
          summary: 'Exchange username and password for a new API key',
          body: credentialsSchema,
          response: { 200: issuedKeySchema, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const user = await passwordUser(catalog, request.body);
        await quotas.assertKeyRoom(user.id);
        return auth.issueKey(user, 'login');
      },
    );

    app.post(
      '/v1/auth/session',
      {
        ...limited,
        schema: {
          tags: ['auth'],
          summary: 'Sign in to the web console: sets its session cookie (HttpOnly, SameSite=Strict; Secure and __Host- over TLS)',
          description:
            'The cookie holds an opaque session token (the catalog keeps only its hash) that lasts 12 hours; it is no API key. See GET /v1/auth/sessions.',
          body: credentialsSchema,
          response: { 200: userSchema, '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        origins.assertConsoleHost(request);
        const user = await passwordUser(catalog, request.body);
        if (singleUserBars(settings.singleUserReason, user)) throw singleUserError(settings.singleUserReason);
        const { token } = await auth.openSession(user, request.headers['user-agent'] ?? null);
        setSessionCookie(reply, token, origins.consoleIsSecure(request));
        return user;
      },
    );

    app.delete(
      '/v1/auth/session',
      {
        schema: {
          tags: ['auth'],
          summary: 'Sign out of the web console: ends the session and clears the cookie',
          response: { 204: z.null(), '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const caller = await auth.sessionCaller(request).catch(() => null);
        if (caller) {
          assertSameSite(request, origins);
          await catalog.deleteSession(caller.user.id, caller.session.id);
          auth.forgetCredentials();
        }
        clearSessionCookie(reply, origins.consoleIsSecure(request));
        return reply.code(204).send(null);
      },
    );
  };
}

/** The user a username and password name, or 401. */
async function passwordUser(catalog: Catalog, credentials: { username: string; password: string }): Promise<User> {
  const found = await catalog.findUserByName(credentials.username);
  if (!found || !(await verifyPassword(credentials.password, found.passwordHash))) {
    throw new NuboError('NUBO_ERR_AUTH_BAD_CREDENTIALS', 'Wrong username or password.');
  }
  const { passwordHash: _hash, ...user } = found;
  return user;
}

/** The caller and its API keys (inside the authenticated routes). */
export function keyRoutes(catalog: Catalog, auth: Authenticator, quotas: QuotaBook): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/auth/me',
      {
        schema: { tags: ['auth'], summary: 'The user behind the API key', response: { 200: userSchema, '4xx': errorBodySchema } },
      },
      async (request) => request.user,
    );

    app.get(
      '/v1/keys',
      {
        schema: {
          tags: ['auth'],
          summary: "List the caller's API keys",
          response: { 200: apiKeySchema.array(), '4xx': errorBodySchema },
        },
      },
      async (request) => catalog.listApiKeys(request.user.id),
    );

    app.post(
      '/v1/keys',
      {
        schema: {
          tags: ['auth'],
          summary: 'Create another API key',
          body: newKeyRequestSchema.optional(),
          response: { 201: issuedKeySchema, '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        await quotas.assertKeyRoom(request.user.id);
        return reply.code(201).send(await auth.issueKey(request.user, request.body?.name ?? 'api'));
      },
    );

    app.get(
      '/v1/auth/sessions',
      {
        schema: {
          tags: ['auth'],
          summary: "The caller's console sessions that have not expired, newest first",
          response: { 200: sessionSchema.array(), '4xx': errorBodySchema },
        },
      },
      async (request) =>
        (await catalog.listSessions(request.user.id, Date.now())).map(({ userId: _user, ...session }) => ({
          ...session,
          current: session.id === request.session?.id,
        })),
    );

    app.delete(
      '/v1/auth/sessions/:id',
      {
        schema: {
          tags: ['auth'],
          summary: 'End a console session (signs that browser out)',
          params: sessionIdParamsSchema,
          response: { 204: z.null(), '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const ended = await catalog.deleteSession(request.user.id, request.params.id);
        auth.forgetCredentials();
        if (!ended)
          throw new NuboError(
            'NUBO_ERR_AUTH_SESSION_NOT_FOUND',
            `You have no session with id "${request.params.id}": list them with GET /v1/auth/sessions.`,
          );
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/v1/keys/:id',
      {
        schema: {
          tags: ['auth'],
          summary: 'Revoke an API key',
          params: keyIdParamsSchema,
          response: { 204: z.null(), '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const deleted = await catalog.deleteApiKey(request.user.id, request.params.id);
        auth.forgetCredentials();
        if (!deleted)
          throw new NuboError(
            'NUBO_ERR_KEY_NOT_FOUND',
            `You have no API key with id "${request.params.id}": list them with GET /v1/keys.`,
          );
        return reply.code(204).send(null);
      },
    );
  };
}
