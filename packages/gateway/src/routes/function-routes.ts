import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { poolKey } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import type { Deployer } from '../deployer.js';
import type { Authenticator } from '../auth/authenticate.js';
import {
  deployRequest,
  deployResponse,
  errorBody,
  functionDetail,
  functionNameParams,
  functionView as functionSchema,
} from '../schemas.js';
import { baseUrl, functionView, versionView } from '../views.js';
import { activeVersion } from './lookup.js';
import type { FunctionResolver } from '../function-resolver.js';

export function functionRoutes(
  deps: GatewayDeps,
  auth: Authenticator,
  deployer: Deployer,
  resolver: FunctionResolver,
): FastifyPluginAsyncZod {
  const { catalog, config, pool } = deps;
  // Base64 makes the zip a third larger; leave room for the rest of the JSON too.
  const deployBodyLimit = Math.ceil((config.NUBO_MAX_CODE_BYTES * 4) / 3) + 1024 * 1024;

  return async (app) => {
    app.put(
      '/v1/functions/:name',
      {
        bodyLimit: deployBodyLimit,
        schema: {
          tags: ['functions'],
          summary: 'Deploy a function: creates it, or adds its next immutable version',
          params: functionNameParams,
          body: deployRequest,
          response: { 200: deployResponse, 201: deployResponse, '4xx': errorBody },
        },
      },
      async (request, reply) => {
        const user = await auth.requireUser(request);
        const { fn, version, created } = await deployer.deploy(user, request.params.name, request.body);
        resolver.forget(fn);
        request.log.info({ function: fn.name, version: version.version }, 'deployed');
        return reply
          .code(created ? 201 : 200)
          .send({ function: functionView(fn, baseUrl(request)), version: versionView(version), created });
      },
    );

    app.get(
      '/v1/functions',
      {
        schema: {
          tags: ['functions'],
          summary: "List the caller's functions",
          response: { 200: functionSchema.array(), '4xx': errorBody },
        },
      },
      async (request) => {
        const user = await auth.requireUser(request);
        const base = baseUrl(request);
        return (await catalog.listFunctions(user.id)).map((fn) => functionView(fn, base));
      },
    );

    app.get(
      '/v1/functions/:name',
      {
        schema: {
          tags: ['functions'],
          summary: 'A function with its active version, versions and live workers',
          params: functionNameParams,
          response: { 200: functionDetail, '4xx': errorBody },
        },
      },
      async (request) => {
        const user = await auth.requireUser(request);
        const fn = await resolver.own(user.id, request.params.name, true);
        const [version, versions, liveWorkers] = await Promise.all([
          activeVersion(catalog, fn),
          catalog.listVersions(fn.id),
          pool.liveCount(poolKey(fn.id, fn.activeVersion)),
        ]);
        return {
          ...functionView(fn, baseUrl(request)),
          id: fn.id,
          runtime: version.runtime,
          handler: version.handler,
          limits: version.limits,
          envNames: Object.keys(version.env).sort(),
          liveWorkers,
          versions: versions.map(versionView),
        };
      },
    );

    app.delete(
      '/v1/functions/:name',
      {
        schema: {
          tags: ['functions'],
          summary: 'Remove a function, its versions, code and workers (its logs stay)',
          params: functionNameParams,
          response: { 204: z.null(), '4xx': errorBody },
        },
      },
      async (request, reply) => {
        const user = await auth.requireUser(request);
        const fn = await resolver.own(user.id, request.params.name, true);
        await deployer.remove(fn);
        resolver.forget(fn);
        request.log.info({ function: fn.name }, 'removed');
        return reply.code(204).send(null);
      },
    );
  };
}
