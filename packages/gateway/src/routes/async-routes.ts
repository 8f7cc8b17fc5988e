import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NuboError } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import type { FunctionResolver } from '../function-resolver.js';
import { checkedSchedules } from '../async/async-deploy-settings.js';
import { queueLimitsOf } from '../async/event-intake.js';
import {
  asyncInvocationSchema,
  deadLetterParamsSchema,
  deadLettersQuerySchema,
  errorBodySchema,
  functionNameParamsSchema,
  queuedAnswerSchema,
  scheduleBodySchema,
  scheduleNamePattern,
  scheduleParamsSchema,
  scheduleSchema,
} from '../schemas.js';
import { asyncInvocationView } from '../views.js';
import type { QuotaBook } from '../quotas/quota-book.js';
import { assertScheduleQuotas } from '../quotas/schedule-quotas.js';
import { activeVersion } from './lookup.js';

/** A function's dead-letter list and schedules. */
export function asyncRoutes(deps: GatewayDeps, resolver: FunctionResolver, quotas: QuotaBook): FastifyPluginAsyncZod {
  const { catalog, invocationQueue: queue } = deps;

  const notADeadLetter = (name: string, requestId: string) =>
    new NuboError(
      'NUBO_ERR_QUEUE_DEAD_LETTER_NOT_FOUND',
      `${name} has no dead letter with request id "${requestId}": list them with GET /v1/functions/${name}/dead-letters.`,
    );

  return async (app) => {
    app.get(
      '/v1/functions/:name/dead-letters',
      {
        schema: {
          tags: ['async'],
          summary: 'Async events that failed after their last retry, or expired; newest first',
          params: functionNameParamsSchema,
          querystring: deadLettersQuerySchema,
          response: { 200: z.object({ deadLetters: asyncInvocationSchema.array() }), '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const fn = await resolver.own(request.user.id, request.params.name);
        const letters = await queue.deadLetters(fn.id, { limit: request.query.limit });
        return { deadLetters: letters.map(asyncInvocationView) };
      },
    );

    app.post(
      '/v1/functions/:name/dead-letters/:requestId/retry',
      {
        schema: {
          tags: ['async'],
          summary: 'Queue a dead letter again (with a fresh event age and its retries)',
          params: deadLetterParamsSchema,
          response: { 202: queuedAnswerSchema, '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const fn = await resolver.own(request.user.id, request.params.name);
        if (!(await queue.retryDeadLetter(fn.id, request.params.requestId)))
          throw notADeadLetter(fn.name, request.params.requestId);
        return reply.code(202).send({ requestId: request.params.requestId, status: 'queued', duplicate: false });
      },
    );

    app.delete(
      '/v1/functions/:name/dead-letters/:requestId',
      {
        schema: {
          tags: ['async'],
          summary: 'Remove a dead letter',
          params: deadLetterParamsSchema,
          response: { 204: z.null(), '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const fn = await resolver.own(request.user.id, request.params.name);
        if (!(await queue.removeDeadLetter(fn.id, request.params.requestId)))
          throw notADeadLetter(fn.name, request.params.requestId);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/functions/:name/schedules',
      {
        schema: {
          tags: ['async'],
          summary: "A function's schedules",
          params: functionNameParamsSchema,
          response: { 200: z.object({ schedules: scheduleSchema.array() }), '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const fn = await resolver.own(request.user.id, request.params.name);
        return { schedules: await queue.schedules(fn.id) };
      },
    );

    /** Applies a change to the function's schedules, with its active version's limits (an addition within the owner's quotas). */
    const changeSchedules = async (
      ownerId: string,
      name: string,
      change: (current: Awaited<ReturnType<typeof queue.schedules>>) => typeof current,
    ) => {
      const fn = await resolver.own(ownerId, name, true);
      const version = await activeVersion(catalog, fn);
      const current = await queue.schedules(fn.id);
      const next = checkedSchedules(change(current));
      if (next.length >= current.length) await assertScheduleQuotas(quotas, queue, { ownerId, functionId: fn.id }, next);
      await queue.setSchedules({ ownerId, functionId: fn.id, functionName: fn.name, limits: queueLimitsOf(version) }, next);
      return { fn, current, next };
    };

    app.put(
      '/v1/functions/:name/schedules/:schedule',
      {
        schema: {
          tags: ['async'],
          summary: 'Add or replace a schedule: each tick invokes the function asynchronously, once',
          params: scheduleParamsSchema,
          body: scheduleBodySchema,
          response: { 200: scheduleSchema, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const { schedule } = request.params;
        if (!scheduleNamePattern.test(schedule))
          throw new NuboError(
            'NUBO_ERR_SCHEDULE_INVALID',
            `"${schedule}" is no schedule name: use 1–64 letters, digits, _ or -.`,
          );
        const added = { name: schedule, ...request.body };
        await changeSchedules(request.user.id, request.params.name, (current) => [
          ...current.filter((s) => s.name !== schedule),
          added,
        ]);
        return added;
      },
    );

    app.delete(
      '/v1/functions/:name/schedules/:schedule',
      {
        schema: {
          tags: ['async'],
          summary: 'Remove a schedule',
          params: scheduleParamsSchema,
          response: { 204: z.null(), '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const { schedule } = request.params;
        const { fn, current, next } = await changeSchedules(request.user.id, request.params.name, (all) =>
          all.filter((s) => s.name !== schedule),
        );
        if (current.length === next.length)
          throw new NuboError(
            'NUBO_ERR_SCHEDULE_NOT_FOUND',
            `${fn.name} has no schedule named "${schedule}": list them with nubo schedule ls ${fn.name}.`,
          );
        return reply.code(204).send(null);
      },
    );
  };
}
