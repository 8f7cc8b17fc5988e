import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { InvocationMetrics } from '../metrics.js';

export function systemRoutes(metrics: InvocationMetrics): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      { schema: { tags: ['system'], summary: 'Liveness', response: { 200: z.object({ ok: z.boolean() }) } } },
      async () => ({ ok: true }),
    );
    app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.text()),
    );
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  };
}
