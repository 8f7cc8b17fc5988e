import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NuboError, isValidUsername, usernameRule, type User } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import type { Authenticator } from '../auth/authenticate.js';
import { hashPassword, newApiKey, verifyPassword } from '../auth/secrets.js';
import { apiKeyView, credentials, errorBody, issuedKey, keyIdParams, newKeyRequest, userView } from '../schemas.js';

export function authRoutes(deps: GatewayDeps, auth: Authenticator): FastifyPluginAsyncZod {
  const { catalog, config } = deps;

  async function issueKey(user: User, name: string) {
    const { key, hash, prefix } = newApiKey();
    const record = await catalog.createApiKey({ userId: user.id, name, keyHash: hash, prefix });
    return { user, apiKey: key, keyId: record.id };
  }

  return async (app) => {
    app.post(
      '/v1/auth/signup',
      {
        schema: {
          tags: ['auth'],
          summary: 'Create a user and its first API key (the first user is the admin)',
          body: credentials,
          response: { 201: issuedKey, '4xx': errorBody },
        },
      },
      async (request, reply) => {
        const { username, password } = request.body;
        if (!isValidUsername(username))
          throw new NuboError('NUBO_ERR_REQUEST_INVALID', `Invalid username "${username}": use ${usernameRule}.`);
        if (!config.NUBO_ALLOW_SIGNUP && (await catalog.hasUsers()))
          throw new NuboError(
            'NUBO_ERR_AUTH_SIGNUP_DISABLED',
            'Sign-up is switched off on this Nubo (NUBO_ALLOW_SIGNUP=false): ask its admin for an account.',
          );
        const user = await catalog.createUser({ username, passwordHash: await hashPassword(password) });
        return reply.code(201).send(await issueKey(user, 'signup'));
      },
    );

    app.post(
      '/v1/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary: 'Exchange username and password for a new API key',
          body: credentials,
          response: { 200: issuedKey, '4xx': errorBody },
        },
      },
      async (request) => {
        const found = await catalog.findUserByName(request.body.username);
        if (!found || !(await verifyPassword(request.body.password, found.passwordHash))) {
          throw new NuboError('NUBO_ERR_AUTH_BAD_CREDENTIALS', 'Wrong username or password.');
        }
        const { passwordHash: _hash, ...user } = found;
        return issueKey(user, 'login');
      },
    );

    app.get(
      '/v1/auth/me',
      { schema: { tags: ['auth'], summary: 'The user behind the API key', response: { 200: userView, '4xx': errorBody } } },
      async (request) => auth.requireUser(request),
    );

    app.get(
      '/v1/keys',
      {
        schema: {
          tags: ['auth'],
          summary: "List the caller's API keys",
          response: { 200: apiKeyView.array(), '4xx': errorBody },
        },
      },
      async (request) => {
        const user = await auth.requireUser(request);
        return catalog.listApiKeys(user.id);
      },
    );

    app.post(
      '/v1/keys',
      {
        schema: {
          tags: ['auth'],
          summary: 'Create another API key',
          body: newKeyRequest.optional(),
          response: { 201: issuedKey, '4xx': errorBody },
        },
      },
      async (request, reply) => {
        const user = await auth.requireUser(request);
        return reply.code(201).send(await issueKey(user, request.body?.name ?? 'api'));
      },
    );

    app.delete(
      '/v1/keys/:id',
      {
        schema: {
          tags: ['auth'],
          summary: 'Revoke an API key',
          params: keyIdParams,
          response: { 204: z.null(), '4xx': errorBody },
        },
      },
      async (request, reply) => {
        const user = await auth.requireUser(request);
        const deleted = await catalog.deleteApiKey(user.id, request.params.id);
        auth.forgetKeys();
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
