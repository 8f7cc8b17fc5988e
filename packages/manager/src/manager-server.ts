import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { NuboError, type Logger, type WorkerSpec } from '@nubo/core';
import { tokenMatches } from './cluster-token.js';
import type { Manager } from './manager.js';

/**
 * The manager's small HTTP API, for gateways only (shared cluster token):
 *   POST   /v1/workers {spec}            → 201 WorkerInfo (the worker's IP:Port, ready)
 *   DELETE /v1/workers/:id?graceMs=N     → 200 {exit}
 *   GET    /v1/status                    → {id, running, workers, memoryMb, capacity, starting, draining}
 * It never runs an invocation: gateways call workers directly.
 */
export function buildManagerServer(options: { manager: Manager; token: string; logger: Logger }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  app.addHook('onRequest', async (request) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!tokenMatches(match?.[1], options.token))
      throw new NuboError(
        'NUBO_ERR_MANAGER_UNAUTHORIZED',
        'This manager API needs the cluster token: send "Authorization: Bearer <NUBO_CLUSTER_TOKEN>".',
      );
  });
  app.setErrorHandler((err, request, reply) => {
    const error = err instanceof NuboError ? err : new NuboError('NUBO_ERR_INTERNAL', (err as Error).message);
    if (error.status >= 500) request.log.error({ err }, 'manager request failed');
    return reply.code(error.status).send({ error: { code: error.code, message: error.message, ...error.details } });
  });
  app.post<{ Body: { spec: WorkerSpec } }>('/v1/workers', async (request, reply) => {
    const spec = request.body?.spec;
    if (!spec || typeof spec.functionId !== 'string' || typeof spec.codeDigest !== 'string')
      throw new NuboError('NUBO_ERR_REQUEST_INVALID', 'Send {spec: WorkerSpec}.');
    return reply.code(201).send(await options.manager.startWorker(spec));
  });
  app.delete<{ Params: { id: string }; Querystring: { graceMs?: string } }>('/v1/workers/:id', async (request) => {
    const graceMs = Number(request.query.graceMs ?? 0);
    const exit = await options.manager.destroyWorker(
      request.params.id,
      graceMs > 0 ? { graceMs: Math.min(graceMs, 10_000) } : {},
    );
    return { exit };
  });
  app.get('/v1/status', async () => ({
    id: options.manager.id,
    running: options.manager.liveWorkers().length,
    ...options.manager.load(),
  }));
  return app;
}
