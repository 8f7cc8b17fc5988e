/** The areas of the API and platform; every code is `NUBO_ERR_<AREA>_<WHAT>`. */
export const errorAreas = [
  'REQUEST',
  'AUTH',
  'KEY',
  'FUNCTION',
  'DEPLOY',
  'INVOKE',
  'INVOCATION',
  'QUEUE',
  'QUOTA',
  'SCHEDULE',
  'WORKER',
  'POOL',
  'STORE',
  'MANAGER',
  'CONFIG',
  'SERVER',
] as const;

/**
 * The one error catalogue of Nubo: every condition has a stable code and the HTTP status it maps
 * to (docs/errors.md explains each; a test keeps the two equal). Throw `new NuboError(code,
 * message)`; @nubo/http's error mapper is the only place that turns it into an HTTP answer.
 */
export const errorCatalogue = {
  NUBO_ERR_REQUEST_INVALID: 400,
  NUBO_ERR_REQUEST_NOT_FOUND: 404,
  NUBO_ERR_REQUEST_TOO_LARGE: 413,
  NUBO_ERR_REQUEST_URI_TOO_LONG: 414,
  NUBO_ERR_AUTH_MISSING_KEY: 401,
  NUBO_ERR_AUTH_INVALID_KEY: 401,
  NUBO_ERR_AUTH_BAD_CREDENTIALS: 401,
  NUBO_ERR_AUTH_BAD_SIGNATURE: 403,
  NUBO_ERR_AUTH_FORBIDDEN: 403,
  NUBO_ERR_AUTH_CROSS_SITE: 403,
  NUBO_ERR_AUTH_ADMIN_ONLY: 403,
  NUBO_ERR_AUTH_SIGNUP_DISABLED: 403,
  NUBO_ERR_AUTH_SINGLE_USER: 403,
  NUBO_ERR_AUTH_USERNAME_TAKEN: 409,
  NUBO_ERR_AUTH_RATE_LIMITED: 429,
  NUBO_ERR_AUTH_SESSION_NOT_FOUND: 404,
  NUBO_ERR_AUTH_USER_NOT_FOUND: 404,
  NUBO_ERR_KEY_NOT_FOUND: 404,
  NUBO_ERR_FUNCTION_NOT_FOUND: 404,
  NUBO_ERR_FUNCTION_INVALID_NAME: 400,
  NUBO_ERR_FUNCTION_VERSION_NOT_FOUND: 404,
  NUBO_ERR_FUNCTION_VERSION_ACTIVE: 409,
  NUBO_ERR_DEPLOY_UNKNOWN_RUNTIME: 400,
  NUBO_ERR_DEPLOY_INVALID_HANDLER: 400,
  NUBO_ERR_DEPLOY_HANDLER_FILE_MISSING: 400,
  NUBO_ERR_DEPLOY_HANDLER_EXPORT_MISSING: 400,
  NUBO_ERR_DEPLOY_BOOTSTRAP_MISSING: 400,
  NUBO_ERR_DEPLOY_INIT_FAILED: 400,
  NUBO_ERR_DEPLOY_INVALID_BASE64: 400,
  NUBO_ERR_DEPLOY_INVALID_ZIP: 400,
  NUBO_ERR_DEPLOY_PATH_ESCAPE: 400,
  NUBO_ERR_DEPLOY_INVALID_PATH: 400,
  NUBO_ERR_DEPLOY_TOO_MANY_FILES: 400,
  NUBO_ERR_DEPLOY_EMPTY_CODE: 400,
  NUBO_ERR_DEPLOY_CODE_TOO_LARGE: 413,
  NUBO_ERR_DEPLOY_INVALID_ENV: 400,
  NUBO_ERR_DEPLOY_NO_WARM_CAPACITY: 409,
  NUBO_ERR_INVOCATION_NOT_FOUND: 404,
  NUBO_ERR_INVOKE_PAYLOAD_TOO_LARGE: 413,
  NUBO_ERR_INVOKE_INVALID_JSON: 400,
  NUBO_ERR_INVOKE_FUNCTION_ERROR: 502,
  NUBO_ERR_INVOKE_CRASH: 502,
  NUBO_ERR_INVOKE_OOM: 502,
  NUBO_ERR_INVOKE_BAD_RESPONSE: 502,
  NUBO_ERR_INVOKE_RESPONSE_TOO_LARGE: 502,
  NUBO_ERR_INVOKE_TIMEOUT: 504,
  NUBO_ERR_INVOKE_AT_CAPACITY: 429,
  NUBO_ERR_QUEUE_FULL: 429,
  NUBO_ERR_QUOTA_FUNCTIONS: 409,
  NUBO_ERR_QUOTA_CODE: 409,
  NUBO_ERR_QUOTA_WARM_MEMORY: 409,
  NUBO_ERR_QUOTA_QUEUED_EVENTS: 429,
  NUBO_ERR_QUOTA_QUEUED_BYTES: 429,
  NUBO_ERR_QUOTA_SCHEDULES: 409,
  NUBO_ERR_QUOTA_SCHEDULE_INTERVAL: 409,
  NUBO_ERR_QUOTA_LOG_TAILS: 429,
  NUBO_ERR_QUOTA_API_KEYS: 409,
  NUBO_ERR_QUEUE_DEAD_LETTER_NOT_FOUND: 404,
  NUBO_ERR_SCHEDULE_INVALID: 400,
  NUBO_ERR_SCHEDULE_NOT_FOUND: 404,
  NUBO_ERR_DEPLOY_INVALID_ASYNC: 400,
  NUBO_ERR_WORKER_START_FAILED: 503,
  NUBO_ERR_WORKER_GONE: 410,
  NUBO_ERR_WORKER_INIT_FAILED: 422,
  NUBO_ERR_POOL_UNAVAILABLE: 503,
  NUBO_ERR_STORE_UNAVAILABLE: 503,
  NUBO_ERR_MANAGER_UNAVAILABLE: 503,
  NUBO_ERR_MANAGER_NO_CAPACITY: 503,
  NUBO_ERR_MANAGER_UNAUTHORIZED: 401,
  NUBO_ERR_CONFIG_INVALID: 500,
  NUBO_ERR_SERVER_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export class NuboError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra fields sent to the client next to code and message. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'NuboError';
    this.code = code;
    this.status = errorCatalogue[code];
    this.details = details;
  }
}

export function isNuboError(err: unknown, code?: ErrorCode): err is NuboError {
  return err instanceof NuboError && (code === undefined || err.code === code);
}

/** Whether a string off the wire is one of the catalogue's codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}
