import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '@nubo/core';
import { toNuboError } from '@nubo/http';

/** An error as the Lambda API answers it: its type (x-amzn-ErrorType), which AWS SDKs raise as a typed exception. */
export class LambdaError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Nubo's error codes as Lambda's error types; the rest are InvalidParameterValueException (4xx) or ServiceException (5xx). */
const lambdaTypes: Partial<Record<ErrorCode, [type: string, status: number]>> = {
  NUBO_ERR_FUNCTION_NOT_FOUND: ['ResourceNotFoundException', 404],
  NUBO_ERR_REQUEST_NOT_FOUND: ['UnknownOperationException', 404],
  NUBO_ERR_INVOKE_AT_CAPACITY: ['TooManyRequestsException', 429],
  NUBO_ERR_QUEUE_FULL: ['TooManyRequestsException', 429],
  NUBO_ERR_INVOKE_PAYLOAD_TOO_LARGE: ['RequestTooLargeException', 413],
  NUBO_ERR_REQUEST_TOO_LARGE: ['RequestTooLargeException', 413],
  NUBO_ERR_INVOKE_INVALID_JSON: ['InvalidRequestContentException', 400],
  NUBO_ERR_AUTH_MISSING_KEY: ['MissingAuthenticationTokenException', 403],
  NUBO_ERR_AUTH_INVALID_KEY: ['UnrecognizedClientException', 403],
  NUBO_ERR_AUTH_BAD_SIGNATURE: ['InvalidSignatureException', 403],
  NUBO_ERR_AUTH_FORBIDDEN: ['AccessDeniedException', 403],
  NUBO_ERR_AUTH_SINGLE_USER: ['AccessDeniedException', 403],
};

export function toLambdaError(err: unknown, request: FastifyRequest): LambdaError {
  if (err instanceof LambdaError) return err;
  const error = toNuboError(err, request);
  const [type, status] =
    lambdaTypes[error.code] ??
    (error.status >= 500 ? ['ServiceException', error.status] : ['InvalidParameterValueException', 400]);
  return new LambdaError(
    type,
    status,
    error.message,
    type === 'TooManyRequestsException' ? { Reason: 'ConcurrentInvocationLimitExceeded' } : {},
  );
}

/** Lambda's error answer: the type in x-amzn-ErrorType, `{Type, Message}` in the body. */
export function sendLambdaError(reply: FastifyReply, error: LambdaError): FastifyReply {
  return reply
    .code(error.status)
    .header('x-amzn-errortype', error.type)
    .send({ Type: error.status < 500 ? 'User' : 'Service', Message: error.message, ...error.extra });
}
