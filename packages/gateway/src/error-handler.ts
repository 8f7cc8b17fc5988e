import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { NuboError, type ErrorCode } from '@nubo/core';

function isInvokeRoute(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? '';
  return url.endsWith('/invoke') || url.startsWith('/fn/');
}

/** The one place that turns errors into HTTP answers: `{error: {code, message, ...}}`. */
function toNuboError(err: unknown, request: FastifyRequest): NuboError {
  if (err instanceof NuboError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const problems = err.validation.map((v) => {
      const where = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
      return `${where || 'body'}: ${v.message}`;
    });
    return new NuboError('NUBO_ERR_REQUEST_INVALID', `Invalid request: ${problems.join('; ')}.`);
  }
  const fastifyError = err as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const code: ErrorCode =
        request.method === 'PUT'
          ? 'NUBO_ERR_DEPLOY_CODE_TOO_LARGE'
          : isInvokeRoute(request)
            ? 'NUBO_ERR_INVOKE_PAYLOAD_TOO_LARGE'
            : 'NUBO_ERR_REQUEST_TOO_LARGE';
      return new NuboError(
        code,
        `The request body is larger than this route's limit of ${request.routeOptions.bodyLimit} bytes.`,
      );
    }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': {
      const code: ErrorCode = isInvokeRoute(request) ? 'NUBO_ERR_INVOKE_INVALID_JSON' : 'NUBO_ERR_REQUEST_INVALID';
      return new NuboError(
        code,
        `The body is not valid JSON (${fastifyError.message}): send a JSON document with Content-Type: application/json.`,
      );
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new NuboError(
        'NUBO_ERR_REQUEST_INVALID',
        `Unsupported Content-Type "${request.headers['content-type']}": send application/json.`,
      );
  }
  if (err instanceof SyntaxError) {
    return new NuboError(
      isInvokeRoute(request) ? 'NUBO_ERR_INVOKE_INVALID_JSON' : 'NUBO_ERR_REQUEST_INVALID',
      `The body is not valid JSON: ${err.message}.`,
    );
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new NuboError('NUBO_ERR_REQUEST_INVALID', fastifyError.message);
  }
  return new NuboError('NUBO_ERR_INTERNAL', 'Internal error: the server log has the details under this request id.');
}

export function sendError(reply: FastifyReply, error: NuboError, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(error.status).send({ error: { code: error.code, message: error.message, ...error.details, ...extra } });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const error = toNuboError(err, request);
    if (error.code === 'NUBO_ERR_INTERNAL' || error.code === 'NUBO_ERR_WORKER_START_FAILED')
      request.log.error({ err }, 'request failed');
    return sendError(reply, error, error.code === 'NUBO_ERR_INTERNAL' ? { requestId: request.id } : {});
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new NuboError(
        'NUBO_ERR_REQUEST_NOT_FOUND',
        `No route ${request.method} ${request.url.split('?')[0]}: see GET /openapi.json for the API.`,
      ),
    ),
  );
}
