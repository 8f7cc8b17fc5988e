import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { NuboError, type Logger } from '@nubo/core';
import { bearerCredential, frameworkErrors, installErrorHandlers } from '@nubo/http';
import {
  codeDigestParamsSchema,
  destroyQuerySchema,
  destroyReplySchema,
  managerRoutes,
  managerStatusSchema,
  maxGraceMs,
  startWorkerBodySchema,
  workerIdParamsSchema,
  workerInfoSchema,
} from './api/manager-api.js';
import { tokenMatches } from './cluster-token.js';
import type { Manager } from './manager.js';

/**
 * The manager's small HTTP API (api/manager-api.ts), for gateways only (shared cluster token). It
 * never runs an invocation: gateways call workers directly.
 */
export function buildManagerServer(options: { manager: Manager; token: string; logger: Logger }) {
  const { manager } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app, { notFoundHint: 'this is a Nubo manager; gateways call it, users do not' });
  app.addHook('onRequest', async (request) => {
    if (!tokenMatches(bearerCredential(request.headers.authorization) ?? undefined, options.token))
      throw new NuboError(
        'NUBO_ERR_MANAGER_UNAUTHORIZED',
        'This manager API needs the cluster token: send "Authorization: Bearer <NUBO_CLUSTER_TOKEN>".',
      );
  });

  app.post(
    managerRoutes.startWorker,
    { schema: { body: startWorkerBodySchema, response: { 201: workerInfoSchema } } },
    async (request, reply) => reply.code(201).send(await manager.startWorker(request.body.spec, { evict: request.body.evict })),
  );
  app.delete(
    managerRoutes.destroyWorker,
    { schema: { params: workerIdParamsSchema, querystring: destroyQuerySchema, response: { 200: destroyReplySchema } } },
    async (request) => {
      const graceMs = Math.min(request.query.graceMs ?? 0, maxGraceMs);
      return { exit: await manager.destroyWorker(request.params.id, graceMs > 0 ? { graceMs } : {}) };
    },
  );
  app.post(managerRoutes.thawWorker, { schema: { params: workerIdParamsSchema } }, async (request, reply) => {
    await manager.thawWorker(request.params.id);
    return reply.code(204).send();
  });
  app.delete(managerRoutes.dropCode, { schema: { params: codeDigestParamsSchema } }, async (request, reply) => {
    await manager.dropCode(request.params.digest);
    return reply.code(204).send();
  });
  app.get(managerRoutes.status, { schema: { response: { 200: managerStatusSchema } } }, async () => ({
    id: manager.id,
    running: manager.liveWorkers().length,
    ...manager.load(),
  }));
  return app;
}
