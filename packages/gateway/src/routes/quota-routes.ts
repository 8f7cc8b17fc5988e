import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { QuotaBook } from '../quotas/quota-book.js';
import { errorBodySchema, quotaReportSchema } from '../schemas.js';

/** The caller's own quotas and what it holds of each. */
export function quotaRoutes(quotas: QuotaBook): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/quotas',
      {
        schema: {
          tags: ['auth'],
          summary: 'Your quotas (the limits of what you may hold) and what you hold of each now',
          response: { 200: quotaReportSchema, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        const [limits, usage] = await Promise.all([quotas.limitsOf(request.user.id), quotas.usageOf(request.user.id)]);
        return { limits, usage };
      },
    );
  };
}
