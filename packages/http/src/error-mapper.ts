import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { NuboError, type ErrorCode } from '@nubo/core';

/** The part of the API a route belongs to, for errors whose code depends on it (set in the route's config). */
export type ErrorArea = 'invoke' | 'deploy';

declare module 'fastify' {
  interface FastifyContextConfig {
    errorArea?: ErrorArea;
  }
}

const tooLargeCodes: Record<ErrorArea, ErrorCode> = {
  invoke: 'NUBO_ERR_INVOKE_PAYLOAD_TOO_LARGE',
  deploy: 'NUBO_ERR_DEPLOY_CODE_TOO_LARGE',
};
const invalidJsonCodes: Record<ErrorArea, ErrorCode> = {
  invoke: 'NUBO_ERR_INVOKE_INVALID_JSON',
  deploy: 'NUBO_ERR_REQUEST_INVALID',
};

/** Turns anything a route or Fastify throws into a NuboError: the one mapping of errors to answers. */
export function toNuboError(err: unknown, request: FastifyRequest): NuboError {
  if (err instanceof NuboError) return err;
  const area = request.routeOptions.config?.errorArea;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const problems = err.validation.map((v) => {
      const where = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
      return `${where || 'body'}: ${v.message}`;
    });
    return new NuboError('NUBO_ERR_REQUEST_INVALID', `Invalid request: ${problems.join('; ')}.`);
  }
  const fastifyError = err as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new NuboError(
        area ? tooLargeCodes[area] : 'NUBO_ERR_REQUEST_TOO_LARGE',
        `The request body is larger than this route's limit of ${request.routeOptions.bodyLimit} bytes.`,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new NuboError(
        area ? invalidJsonCodes[area] : 'NUBO_ERR_REQUEST_INVALID',
        `The body is not valid JSON (${fastifyError.message}): send a JSON document with Content-Type: application/json.`,
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new NuboError(
        'NUBO_ERR_REQUEST_URI_TOO_LONG',
        'A part of the path is longer than 100 characters: check the name in the URL.',
      );
    case 'FST_ERR_BAD_URL':
      return new NuboError('NUBO_ERR_REQUEST_INVALID', 'The URL is malformed (bad percent-encoding): encode it properly.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new NuboError(
        'NUBO_ERR_REQUEST_INVALID',
        `Unsupported Content-Type "${request.headers['content-type']}": send application/json.`,
      );
  }
  if (err instanceof SyntaxError) {
    return new NuboError(
      area ? invalidJsonCodes[area] : 'NUBO_ERR_REQUEST_INVALID',
      `The body is not valid JSON: ${err.message}.`,
    );
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new NuboError('NUBO_ERR_REQUEST_INVALID', fastifyError.message);
  }
  return new NuboError('NUBO_ERR_SERVER_INTERNAL', 'Internal error: the server log has the details under this request id.');
}

/** Every error answer: `{error: {code, message, ...details}}` with the code's HTTP status. */
export function sendError(reply: FastifyReply, error: NuboError, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(error.status).send({ error: { code: error.code, message: error.message, ...error.details, ...extra } });
}

/**
 * For Fastify's `frameworkErrors` option: errors its router raises before any route runs (a path
 * part over maxParamLength, a malformed URL) get the same `{error: {code, message}}` answers.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendError(reply, toNuboError(err, request));
}

/** Installs the error and not-found handlers on a Fastify app (the gateway's and the manager's alike). */
export function installErrorHandlers(app: FastifyInstance, options: { notFoundHint: string }): void {
  app.setErrorHandler((err, request, reply) => {
    const error = toNuboError(err, request);
    const internal = error.code === 'NUBO_ERR_SERVER_INTERNAL';
    if (internal || error.code === 'NUBO_ERR_WORKER_START_FAILED') request.log.error({ err }, 'request failed');
    return sendError(reply, error, internal ? { requestId: request.id } : {});
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new NuboError(
        'NUBO_ERR_REQUEST_NOT_FOUND',
        `No route ${request.method} ${request.url.split('?')[0]}: ${options.notFoundHint}.`,
      ),
    ),
  );
}
