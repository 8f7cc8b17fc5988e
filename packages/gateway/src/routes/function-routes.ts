import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NuboError, deprecatedRuntimes, poolKey, runtimeIds } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import type { Deployer } from '../deployer.js';
import {
  deployRequestSchema,
  deployResponseSchema,
  errorBodySchema,
  functionDetailSchema,
  functionNameParamsSchema,
  functionSchema,
  liveWorkerSchema,
  runtimeSchema,
  versionParamsSchema,
} from '../schemas.js';
import { functionView, versionView, versionWarnings } from '../views.js';
import type { Origins } from '../origins.js';
import { activeVersion } from './lookup.js';
import type { FunctionResolver } from '../function-resolver.js';

export function functionRoutes(
  deps: GatewayDeps,
  deployer: Deployer,
  resolver: FunctionResolver,
  origins: Origins,
  /** Idle workers of a function's warm floor the managers have no room for now (this gateway's prewarmer's view). */
  warmShortfall: (functionId: string) => number,
): FastifyPluginAsyncZod {
  const { catalog, pool, settings } = deps;
  // Base64 makes the zip a third larger; leave room for the rest of the JSON too.
  const deployBodyLimit = Math.ceil((settings.bundleLimits.maxBytes * 4) / 3) + 1024 * 1024;

  return async (app) => {
    app.put(
      '/v1/functions/:name',
      {
        bodyLimit: deployBodyLimit,
        config: { errorArea: 'deploy' },
        schema: {
          tags: ['functions'],
          summary: 'Deploy a function: creates it, or adds its next immutable version',
          params: functionNameParamsSchema,
          body: deployRequestSchema,
          response: { 200: deployResponseSchema, 201: deployResponseSchema, '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const { fn, version, created, removedVersions } = await deployer.deploy(request.user, request.params.name, request.body);
        resolver.forget(fn);
        request.log.info({ function: fn.name, version: version.version, runtime: version.runtime, removedVersions }, 'deployed');
        return reply.code(created ? 201 : 200).send({
          function: functionView(fn, origins.urlsFor(request)),
          version: versionView(version),
          created,
          removedVersions,
        });
      },
    );

    app.get(
      '/v1/functions',
      {
        schema: {
          tags: ['functions'],
          summary: "List the caller's functions",
          response: { 200: functionSchema.array(), '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const urls = origins.urlsFor(request);
        return (await catalog.listFunctions(request.user.id)).map((fn) => functionView(fn, urls));
      },
    );

    app.get(
      '/v1/functions/:name',
      {
        schema: {
          tags: ['functions'],
          summary: 'A function with its active version, versions and live workers',
          params: functionNameParamsSchema,
          response: { 200: functionDetailSchema, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const fn = await resolver.own(request.user.id, request.params.name, true);
        const [version, versions, liveWorkers, schedules] = await Promise.all([
          activeVersion(catalog, fn),
          catalog.listVersions(fn.id),
          pool.liveCount(poolKey(fn.id, fn.activeVersion)),
          deps.invocationQueue.schedules(fn.id),
        ]);
        return {
          ...functionView(fn, origins.urlsFor(request)),
          id: fn.id,
          runtime: version.runtime,
          handler: version.handler,
          limits: version.limits,
          network: version.network,
          async: version.async,
          schedules,
          envNames: Object.keys(version.env).sort(),
          warnings: versionWarnings(version),
          liveWorkers,
          warmShortfall: warmShortfall(fn.id),
          versions: versions.map(versionView),
        };
      },
    );

    app.get(
      '/v1/runtimes',
      {
        schema: {
          tags: ['functions'],
          summary: 'The runtimes a deploy may name, and whether the managers can run each one now',
          response: { 200: runtimeSchema.array(), '4xx': errorBodySchema },
        },
      },
      async () => {
        const available = new Set(await deps.managers.runtimes());
        return runtimeIds.map((id) => ({ id, available: available.has(id), deprecation: deprecatedRuntimes[id] ?? null }));
      },
    );

    app.get(
      '/v1/functions/:name/workers',
      {
        schema: {
          tags: ['functions'],
          summary: "The active version's live workers, each idle or busy",
          params: functionNameParamsSchema,
          response: { 200: liveWorkerSchema.array(), '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const fn = await resolver.own(request.user.id, request.params.name, true);
        return (await pool.liveWorkers(poolKey(fn.id, fn.activeVersion))).map(({ worker, idle, lastUsedAt }) => ({
          id: worker.id,
          address: worker.address,
          managerId: worker.managerId,
          version: worker.version,
          state: idle ? ('idle' as const) : ('busy' as const),
          startedAt: worker.startedAt,
          lastUsedAt,
          initMs: worker.initMs,
        }));
      },
    );

    app.delete(
      '/v1/functions/:name/versions/:version',
      {
        schema: {
          tags: ['functions'],
          summary: 'Remove a version that is not the active one (its workers, and its code if no other version uses it)',
          params: versionParamsSchema,
          response: { 204: z.null(), '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const fn = await resolver.own(request.user.id, request.params.name, true);
        const { version } = request.params;
        if (version === fn.activeVersion)
          throw new NuboError(
            'NUBO_ERR_FUNCTION_VERSION_ACTIVE',
            `Version ${version} is ${fn.name}'s active version: deploy another first, or remove the whole function.`,
          );
        if (!(await deployer.removeVersion(fn, version)))
          throw new NuboError(
            'NUBO_ERR_FUNCTION_VERSION_NOT_FOUND',
            `${fn.name} has no version ${version}: see its versions with GET /v1/functions/${fn.name}.`,
          );
        request.log.info({ function: fn.name, version }, 'removed a version');
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/v1/functions/:name',
      {
        schema: {
          tags: ['functions'],
          summary: 'Remove a function, its versions, code and workers (its logs stay)',
          params: functionNameParamsSchema,
          response: { 204: z.null(), '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const fn = await resolver.own(request.user.id, request.params.name, true);
        await deployer.remove(fn);
        resolver.forget(fn);
        request.log.info({ function: fn.name }, 'removed');
        return reply.code(204).send(null);
      },
    );
  };
}
