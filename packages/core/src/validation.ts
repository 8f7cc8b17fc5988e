import { NuboError } from './errors.js';
import { lambdaRuntimeAliases, runtimeIds, runtimeOf, type RuntimeId } from './runtimes.js';

const functionNamePattern = /^[a-z][a-z0-9-]{0,62}$/;
const usernamePattern = /^[a-z][a-z0-9_-]{1,31}$/;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const handlerPattern = /^([A-Za-z0-9_\-/]+)\.([A-Za-z_$][A-Za-z0-9_$]*)$/;
/** Names the runtime sets itself; a function may not override them. */
const reservedEnvPrefixes = ['NUBO_', 'NODE_OPTIONS'];

export const functionNameRule = 'lowercase letters, digits and "-", starting with a letter, at most 63 characters';
export const usernameRule = 'lowercase letters, digits, "_" and "-", starting with a letter, 2 to 32 characters';

export function assertFunctionName(name: string): void {
  if (!functionNamePattern.test(name)) {
    throw new NuboError('NUBO_ERR_FUNCTION_INVALID_NAME', `Invalid function name "${name}": use ${functionNameRule}.`);
  }
}

export function isValidUsername(name: string): boolean {
  return usernamePattern.test(name);
}

/** A runtime id as typed by a user (Nubo's own, or Lambda's such as nodejs22.x) → Nubo's id. */
export function resolveRuntime(runtime: string): RuntimeId {
  const id = lambdaRuntimeAliases[runtime] ?? runtime;
  if (!(runtimeIds as readonly string[]).includes(id)) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_UNKNOWN_RUNTIME',
      `Unknown runtime "${runtime}": use one of ${runtimeIds.join(', ')} (or Lambda's ${Object.keys(lambdaRuntimeAliases).join(', ')}).`,
    );
  }
  return id as RuntimeId;
}

export interface ParsedHandler {
  /** Path of the module without extension, relative to the code root. */
  module: string;
  exportName: string;
}

/** `app.lambdaHandler` → module `app`, export `lambdaHandler`; `src/app.handler` works too. */
export function parseHandler(handler: string): ParsedHandler {
  const match = handlerPattern.exec(handler);
  if (!match || match[1]!.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_INVALID_HANDLER',
      `Invalid handler "${handler}": use <file>.<export>, e.g. "index.handler" for the export "handler" of index.js.`,
    );
  }
  return { module: match[1]!, exportName: match[2]! };
}

/** Source files a handler module may live in, per runtime, in lookup order. */
export function handlerFileCandidates(runtime: RuntimeId, module: string): string[] {
  return runtimeOf(runtime).handlerExtensions.map((extension) => `${module}${extension}`);
}

/** A custom runtime's handler is its bootstrap's to read (`_HANDLER`): any word, as on Lambda. */
const customHandlerPattern = /^[^\s]{1,128}$/;

/**
 * The code holds what the runtime starts: the handler's module, or a custom runtime's `bootstrap`
 * at its root. Answers the deploy's error when it does not.
 */
export function assertEntryPoint(runtime: RuntimeId, handler: string, files: readonly string[]): void {
  const listed = `${files.slice(0, 10).join(', ')}${files.length > 10 ? ', …' : ''}`;
  if (runtimeOf(runtime).protocol === 'lambda-runtime-api') {
    if (!customHandlerPattern.test(handler))
      throw new NuboError(
        'NUBO_ERR_DEPLOY_INVALID_HANDLER',
        `Invalid handler "${handler.slice(0, 40)}": a custom runtime's handler is 1 to 128 characters without spaces (its bootstrap reads it as _HANDLER).`,
      );
    if (!files.includes('bootstrap'))
      throw new NuboError(
        'NUBO_ERR_DEPLOY_BOOTSTRAP_MISSING',
        `A ${runtime} function needs an executable file named bootstrap at the root of its code (the program that asks the Runtime API for invocations), but the code has: ${listed}.`,
      );
    return;
  }
  const candidates = handlerFileCandidates(runtime, parseHandler(handler).module);
  if (!candidates.some((file) => files.includes(file)))
    throw new NuboError(
      'NUBO_ERR_DEPLOY_HANDLER_FILE_MISSING',
      `Handler "${handler}" needs ${candidates.join(' or ')} at the root of the code, but the code has: ${listed}.`,
    );
}

/** All of a function's environment variables together (names and values) fit in this. */
export const maxEnvBytes = 32 * 1024;

export function assertEnv(env: Record<string, string>): void {
  let total = 0;
  for (const [name, value] of Object.entries(env)) {
    if (!envNamePattern.test(name)) {
      throw new NuboError(
        'NUBO_ERR_DEPLOY_INVALID_ENV',
        `Invalid environment variable name "${name}": use letters, digits and "_", not starting with a digit.`,
      );
    }
    if (reservedEnvPrefixes.some((prefix) => name.startsWith(prefix))) {
      throw new NuboError(
        'NUBO_ERR_DEPLOY_INVALID_ENV',
        `Environment variable "${name}" is reserved by Nubo: choose another name.`,
      );
    }
    total += Buffer.byteLength(name) + Buffer.byteLength(String(value)) + 2;
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new NuboError('NUBO_ERR_DEPLOY_INVALID_ENV', `Environment variable "${name}" must be a string without NUL bytes.`);
    }
  }
  if (total > maxEnvBytes) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_INVALID_ENV',
      `The environment variables add up to ${total} bytes, over the limit of ${maxEnvBytes}: keep large values in the code or in a store the function reads.`,
    );
  }
}
