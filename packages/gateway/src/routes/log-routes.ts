import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NuboError, assertFunctionName, maxMetricsBuckets, quotaExceeded } from '@nubo/core';
import type { QuotaBook } from '../quotas/quota-book.js';
import { followInvocations, tailPollMs } from './log-tail.js';
import { metricsWindow } from './metrics-window.js';
import { withoutUndefined } from './query-fields.js';
import type { GatewayDeps } from '../deps.js';
import {
  asyncInvocationSchema,
  errorBodySchema,
  functionNameParamsSchema,
  invocationSchema,
  logsQuerySchema,
  metricsQuerySchema,
  metricsSchema,
  requestIdParamsSchema,
  statsSchema,
} from '../schemas.js';
import { asyncInvocationView, invocationView } from '../views.js';

export function logRoutes(deps: GatewayDeps, quotas: QuotaBook): FastifyPluginAsyncZod {
  const { catalog, invocationLog, invocationQueue } = deps;

  /** Logs outlive their function, so a name is known if it exists or has records. */
  async function assertKnown(ownerId: string, name: string, hasRecords: boolean): Promise<void> {
    if (hasRecords || (await catalog.getFunction(ownerId, name))) return;
    throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `You have no function named "${name}" and no invocations of one.`);
  }

  return async (app) => {
    // An open tail never goes idle: end every one before the server waits for its connections.
    const tails = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const end of tails) end();
    });

    app.get(
      '/v1/functions/:name/logs',
      {
        schema: {
          tags: ['logs'],
          summary: 'Invocations of a function, newest first',
          params: functionNameParamsSchema,
          querystring: logsQuerySchema,
          response: { 200: invocationSchema.array(), '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const { user } = request;
        assertFunctionName(request.params.name);
        const records = await invocationLog.list(user.id, request.params.name, withoutUndefined(request.query));
        await assertKnown(user.id, request.params.name, records.length > 0);
        return records.map(invocationView);
      },
    );

    app.get(
      '/v1/functions/:name/stats',
      {
        schema: {
          tags: ['logs'],
          summary: 'Count, errors, cold ratio and duration percentiles',
          params: functionNameParamsSchema,
          response: { 200: statsSchema, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const { user } = request;
        assertFunctionName(request.params.name);
        const stats = await invocationLog.stats(user.id, request.params.name);
        await assertKnown(user.id, request.params.name, stats.count > 0);
        return { name: request.params.name, ...stats };
      },
    );

    app.get(
      '/v1/functions/:name/metrics',
      {
        schema: {
          tags: ['logs'],
          summary:
            'Time series of a function: per bucket, calls by status, cold starts, duration percentiles, init, queue wait, memory',
          description: `Every bucket of [from, to) in steps of \`step\` ms, empty ones included, oldest first. At most ${maxMetricsBuckets} buckets.`,
          params: functionNameParamsSchema,
          querystring: metricsQuerySchema,
          response: { 200: metricsSchema, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const { user } = request;
        assertFunctionName(request.params.name);
        const window = metricsWindow(request.query, Date.now());
        const buckets = await invocationLog.metrics(user.id, request.params.name, window);
        await assertKnown(
          user.id,
          request.params.name,
          buckets.some((b) => b.count > 0),
        );
        return { name: request.params.name, from: window.from, to: window.to, stepMs: window.stepMs, buckets };
      },
    );

    app.get(
      '/v1/functions/:name/logs/tail',
      {
        schema: {
          tags: ['logs'],
          summary: 'Follow new invocation records as they are stored (Server-Sent Events, one "invocation" event per record)',
          description: `Polls the invocation log every ${tailPollMs} ms, so it follows the calls of every gateway.`,
          params: functionNameParamsSchema,
        },
      },
      async (request, reply) => {
        const { user } = request;
        assertFunctionName(request.params.name);
        await assertKnown(user.id, request.params.name, false);
        // Each open tail polls the log store: a user's are bounded (on this gateway).
        const tail = await quotas.openTail(user);
        if (!tail.taken)
          throw quotaExceeded(
            'logTails',
            tail.limit,
            tail.open + 1,
            'close another live tail first (they are counted per gateway).',
          );
        const end = followInvocations(request, reply, invocationLog, { ownerId: user.id, functionName: request.params.name });
        tails.add(end);
        request.raw.on('close', () => {
          tails.delete(end);
          quotas.endTail(user);
        });
      },
    );

    app.get(
      '/v1/invocations/:requestId',
      {
        schema: {
          tags: ['logs'],
          summary: 'One invocation by its request id: the record of a call, or the state of an asynchronous one',
          description:
            'An asynchronous invocation (or schedule run) answers its status (queued, running, ok, failed, expired), every attempt, and the result or error; a synchronous call answers its record.',
          params: requestIdParamsSchema,
          response: { 200: z.union([asyncInvocationSchema, invocationSchema]), '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const { user } = request;
        const queued = await invocationQueue.get(user.id, request.params.requestId);
        if (queued) return asyncInvocationView(queued);
        const record = await invocationLog.get(user.id, request.params.requestId);
        if (!record)
          throw new NuboError(
            'NUBO_ERR_INVOCATION_NOT_FOUND',
            `You have no invocation with request id "${request.params.requestId}".`,
          );
        return invocationView(record);
      },
    );
  };
}
