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

/** What the mapping needs to know of the request an error came from. */
export interface ErrorContext {
  area?: ErrorArea | undefined;
  bodyLimit?: number | undefined;
  contentType?: string | undefined;
}

/** A body that is not JSON, in the words of the route's area. */
function invalidJsonError(area: ErrorArea | undefined, detail: string): NuboError {
  return new NuboError(
    area ? invalidJsonCodes[area] : 'NUBO_ERR_REQUEST_INVALID',
    `The body is not valid JSON (${detail}): send a JSON document with Content-Type: application/json.`,
  );
}

function errorContextOf(request: FastifyRequest): ErrorContext {
  return {
    area: request.routeOptions.config?.errorArea,
    bodyLimit: request.routeOptions.bodyLimit,
    contentType: request.headers['content-type'],
  };
}

/** Turns anything a route or Fastify throws into a NuboError: the one mapping of errors to answers. */
export function toNuboError(err: unknown, request: FastifyRequest): NuboError {
  return errorOf(err, errorContextOf(request));
}

/** The mapping itself, for answers made without Fastify's request (the invoke fast lane). */
export function errorOf(err: unknown, { area, bodyLimit, contentType }: ErrorContext): NuboError {
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
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new NuboError(
        area ? tooLargeCodes[area] : 'NUBO_ERR_REQUEST_TOO_LARGE',
        `The request body is larger than this route's limit of ${bodyLimit} bytes.`,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidJsonError(area, fastifyError.message);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new NuboError(
        'NUBO_ERR_REQUEST_URI_TOO_LONG',
        'A part of the path is longer than 100 characters: check the name in the URL.',
      );
    case 'FST_ERR_BAD_URL':
      return new NuboError('NUBO_ERR_REQUEST_INVALID', 'The URL is malformed (bad percent-encoding): encode it properly.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new NuboError('NUBO_ERR_REQUEST_INVALID', `Unsupported Content-Type "${contentType}": send application/json.`);
  }
  if (err instanceof SyntaxError) return invalidJsonError(area, err.message);
  // SQLite's and the file system's word for a full disk (embedded mode's stores live in NUBO_DATA_DIR).
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new NuboError(
      'NUBO_ERR_STORE_UNAVAILABLE',
      "The server's disk is full, so this change could not be stored: the operator should free space where NUBO_DATA_DIR is, then retry.",
    );
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new NuboError('NUBO_ERR_REQUEST_INVALID', fastifyError.message);
  }
  return new NuboError('NUBO_ERR_SERVER_INTERNAL', 'Internal error: the server log has the details under this request id.');
}

/** What an error answer needs of a reply: Fastify's, or one written on node:http directly. */
export interface ErrorReply {
  code(status: number): { send(payload: Record<string, unknown>): unknown };
}

/** Every error answer: `{error: {code, message, ...details}}` with the code's HTTP status. */
export function sendError<R extends ErrorReply>(reply: R, error: NuboError, extra: Record<string, unknown> = {}): R {
  reply.code(error.status).send({ error: { code: error.code, message: error.message, ...error.details, ...extra } });
  return reply;
}

/** Answers anything thrown: an internal error is logged and answered with the request id that finds it in the log. */
export function sendThrown<R extends ErrorReply>(
  reply: R,
  err: unknown,
  request: { context: ErrorContext; id: string; log: { error(fields: object, message: string): void } },
): R {
  const error = errorOf(err, request.context);
  const internal = error.code === 'NUBO_ERR_SERVER_INTERNAL';
  if (internal || error.code === 'NUBO_ERR_WORKER_START_FAILED') request.log.error({ err }, 'request failed');
  return sendError(reply, error, internal ? { requestId: request.id } : {});
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
  app.setErrorHandler((err, request, reply) =>
    sendThrown(reply, err, { context: errorContextOf(request), id: request.id, log: request.log }),
  );
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
