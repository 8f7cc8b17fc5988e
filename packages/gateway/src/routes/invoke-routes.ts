import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestIdHeader } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import type { Invoker } from '../invoke/invoker.js';
import { errorBodySchema, functionNameParamsSchema, queuedAnswerSchema } from '../schemas.js';
import { idempotencyKeyOf, wantsAsync } from '../async/async-request.js';
import type { EventIntake } from '../async/event-intake.js';
import { sendInvocation } from '../invoke/reply-outcome.js';
import { ownTarget } from './lookup.js';
import type { FunctionResolver } from '../function-resolver.js';

/** The body is the event; a call without any body invokes with `{}`, as Lambda's Invoke does. */
function eventOf(request: FastifyRequest): unknown {
  const noBody = !request.headers['transfer-encoding'] && (request.headers['content-length'] ?? '0') === '0';
  return noBody ? {} : request.body;
}

export function invokeRoutes(
  deps: GatewayDeps,
  invoker: Invoker,
  resolver: FunctionResolver,
  intake: EventIntake,
): FastifyPluginAsyncZod {
  const { catalog, settings } = deps;
  return async (app) => {
    app.post(
      '/v1/functions/:name/invoke',
      {
        bodyLimit: settings.maxEventBytes,
        config: { errorArea: 'invoke' },
        schema: {
          tags: ['invoke'],
          summary: "Invoke a function: the body is the event, the answer is the handler's result",
          description:
            'Headers x-nubo-request-id, x-nubo-cold-start, x-nubo-duration-ms. Function error or crash → 502, timeout → 504, at capacity → 429. With x-nubo-invocation-type: async the event is queued: 202 with its request id and Location (GET /v1/invocations/:id); idempotency-key queues one event per key.',
          params: functionNameParamsSchema,
          body: z.unknown().optional().describe('any JSON value: the event'),
          response: {
            200: z.unknown().describe("the handler's result"),
            202: queuedAnswerSchema,
            '4xx': errorBodySchema,
            '5xx': errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { user } = request;
        const target = (fresh: boolean) => ownTarget(resolver, catalog, user.id, request.params.name, fresh);
        if (wantsAsync(request)) {
          const idempotencyKey = idempotencyKeyOf(request);
          const queued = await intake.enqueue(await target(false), {
            requestId: request.id,
            correlationId: request.correlationId,
            event: eventOf(request),
            trigger: 'async',
            ...(idempotencyKey ? { idempotencyKey } : {}),
          });
          const status = queued.duplicate
            ? ((await deps.invocationQueue.get(user.id, queued.requestId))?.status ?? 'queued')
            : 'queued';
          return reply
            .code(202)
            .header(requestIdHeader, queued.requestId)
            .header('location', `/v1/invocations/${queued.requestId}`)
            .send({ requestId: queued.requestId, status, duplicate: queued.duplicate });
        }
        const outcome = await invoker.invoke({
          ...(await target(false)),
          requestId: request.id,
          correlationId: request.correlationId,
          reload: () => target(true),
          event: eventOf(request),
          trigger: 'invoke',
          logger: request.log,
        });
        return sendInvocation(reply, outcome);
      },
    );
  };
}
