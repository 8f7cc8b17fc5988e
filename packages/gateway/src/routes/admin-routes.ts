import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NuboError, poolKey } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import type { QuotaBook } from '../quotas/quota-book.js';
import {
  adminQuotaReportSchema,
  adminUserSchema,
  clusterSchema,
  errorBodySchema,
  quotaChangeSchema,
  usernameParamsSchema,
} from '../schemas.js';

/** What only the admin sees: the managers' load, every function's pool, and the users. */
export function adminRoutes(deps: GatewayDeps, quotas: QuotaBook): FastifyPluginAsyncZod {
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

    /** A user's limits, what the admin set of them, and what the user holds. */
    const report = async (username: string) => {
      const found = await catalog.findUserByName(username);
      if (!found) throw new NuboError('NUBO_ERR_AUTH_USER_NOT_FOUND', `There is no user "${username}": see GET /v1/admin/users.`);
      const [limits, overrides, usage] = await Promise.all([
        quotas.limitsOf(found.id),
        catalog.quotaOverrides(found.id),
        quotas.usageOf(found.id),
      ]);
      return { user: found, report: { username, limits, overrides, defaults: quotas.defaults, usage } };
    };

    app.get(
      '/v1/admin/users/:username/quotas',
      {
        schema: {
          tags: ['admin'],
          summary: "A user's quotas (the defaults with what the admin set) and what the user holds",
          params: usernameParamsSchema,
          response: { 200: adminQuotaReportSchema, '4xx': errorBodySchema },
        },
      },
      async (request) => (await report(request.params.username)).report,
    );

    app.put(
      '/v1/admin/users/:username/quotas',
      {
        schema: {
          tags: ['admin'],
          summary: "Set a user's quotas: a number sets one, null puts it back to the default, one left out stays",
          params: usernameParamsSchema,
          body: quotaChangeSchema,
          response: { 200: adminQuotaReportSchema, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const { user } = await report(request.params.username);
        const overrides: Record<string, number> = { ...(await catalog.quotaOverrides(user.id)) };
        for (const [name, value] of Object.entries(request.body)) {
          if (value === undefined) continue;
          if (value === null) delete overrides[name];
          else overrides[name] = value;
        }
        await catalog.setQuotaOverrides(user.id, overrides);
        quotas.forget(user.id);
        request.log.info({ user: user.username, overrides }, 'set quotas');
        return (await report(request.params.username)).report;
      },
    );
  };
}
