import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NuboError, poolKey } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import { adminUserSchema, clusterSchema, errorBodySchema } from '../schemas.js';

/** What only the admin sees: the managers' load, every function's pool, and the users. */
export function adminRoutes(deps: GatewayDeps): FastifyPluginAsyncZod {
  const { catalog, pool, managers } = deps;
  return async (app) => {
    app.addHook('onRequest', async (request) => {
      if (!request.user.isAdmin)
        throw new NuboError('NUBO_ERR_AUTH_ADMIN_ONLY', 'Only the admin (the first user) may see the cluster and the users.');
    });

    app.get(
      '/v1/admin/cluster',
      {
        schema: {
          tags: ['admin'],
          summary: "The live managers' room and load, the live gateways, every function's pool, and the totals",
          response: { 200: clusterSchema, '4xx': errorBodySchema },
        },
      },
      async () => {
        const [loads, functions, gateways] = await Promise.all([
          managers.loads(),
          catalog.listAllFunctions(),
          deps.gateways.alive(),
        ]);
        const pools = await Promise.all(
          functions.map(async (fn) => {
            const key = poolKey(fn.id, fn.activeVersion);
            const [liveWorkers, idleWorkers] = await Promise.all([pool.liveCount(key), pool.idleCount(key)]);
            return { owner: fn.ownerName, name: fn.name, activeVersion: fn.activeVersion, liveWorkers, idleWorkers };
          }),
        );
        const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
        return {
          managers: loads,
          gateways: gateways.map(({ id, url, hostname, pid, startedAt, heartbeatAt }) => ({
            id,
            url,
            hostname,
            pid,
            startedAt,
            heartbeatAt,
          })),
          functions: pools,
          totals: {
            managers: loads.length,
            gateways: gateways.length,
            draining: loads.filter((m) => m.draining).length,
            workers: sum(loads.map((m) => m.used.workers)),
            memoryMb: sum(loads.map((m) => m.capacity.memoryMb)),
            memoryUsedMb: sum(loads.map((m) => m.used.memoryMb)),
            liveWorkers: sum(pools.map((p) => p.liveWorkers)),
            idleWorkers: sum(pools.map((p) => p.idleWorkers)),
          },
        };
      },
    );

    app.get(
      '/v1/admin/users',
      {
        schema: {
          tags: ['admin'],
          summary: 'Every user, with how many functions each has',
          response: { 200: adminUserSchema.array(), '4xx': errorBodySchema },
        },
      },
      async () => {
        const [users, functions] = await Promise.all([catalog.listUsers(), catalog.listAllFunctions()]);
        return users.map((user) => ({ ...user, functions: functions.filter((fn) => fn.ownerId === user.id).length }));
      },
    );
  };
}
