import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NuboError, assertFunctionName } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import {
  asyncInvocationSchema,
  errorBodySchema,
  functionNameParamsSchema,
  invocationSchema,
  logsQuerySchema,
  requestIdParamsSchema,
  statsSchema,
} from '../schemas.js';
import { asyncInvocationView, invocationView } from '../views.js';

export function logRoutes(deps: GatewayDeps): FastifyPluginAsyncZod {
  const { catalog, invocationLog, invocationQueue } = deps;

  /** Logs outlive their function, so a name is known if it exists or has records. */
  async function assertKnown(ownerId: string, name: string, hasRecords: boolean): Promise<void> {
    if (hasRecords || (await catalog.getFunction(ownerId, name))) return;
    throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `You have no function named "${name}" and no invocations of one.`);
  }

  return async (app) => {
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
        const { limit, before, cold } = request.query;
        const records = await invocationLog.list(user.id, request.params.name, {
          limit,
          ...(before !== undefined ? { before } : {}),
          ...(cold !== undefined ? { cold } : {}),
        });
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
