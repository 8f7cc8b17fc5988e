import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { EventIntake } from '../async/event-intake.js';
import { NuboError, type Catalog, type FunctionRecord, type FunctionVersion, type User } from '@nubo/core';
import type { Authenticator } from '../auth/authenticate.js';
import { isSigV4 } from '../auth/sigv4.js';
import { singleUserBars, singleUserError } from '../auth/single-user.js';
import type { Deployer } from '../deployer.js';
import type { GatewayDeps } from '../deps.js';
import type { FunctionResolver } from '../function-resolver.js';
import type { Invoker } from '../invoke/invoker.js';
import type { InvokeOutcome } from '../invoke/invocation-types.js';
import { jsonContentType, resultBody, setInvocationHeaders } from '../invoke/reply-outcome.js';
import { activeVersion } from '../routes/lookup.js';
import { LambdaError, sendLambdaError, toLambdaError } from './lambda-errors.js';
import { functionConfiguration, parseFunctionName } from './lambda-shapes.js';

/** The API version in every Lambda path. */
export const lambdaApiPrefix = '/2015-03-31';

const invocationTypes = ['RequestResponse', 'Event', 'DryRun'] as const;
const logTypes = ['None', 'Tail'] as const;
/** `LogType: Tail` answers the last 4 KB of the output, as Lambda does. */
const logTailBytes = 4096;
const maxListItems = 50;
/** Headers that change what a call does: a signed request must have signed them (one added on the way is refused). */
const behaviourHeaders = ['x-amz-invocation-type', 'x-amz-log-type', 'x-amz-client-context'] as const;

type LambdaRequest = FastifyRequest<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>;

function headerValue<T extends string>(request: FastifyRequest, name: string, allowed: readonly T[], fallback: T): T {
  const value = request.headers[name] ?? fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T))
    throw new LambdaError(
      'InvalidParameterValueException',
      400,
      `${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}.`,
    );
  return value as T;
}

/** The payload is the event: JSON, or `{}` when there is none. */
function eventOf(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new NuboError('NUBO_ERR_INVOKE_INVALID_JSON', `Could not parse the payload as JSON (${(err as Error).message}).`);
  }
}

/**
 * The version a qualifier names: `$LATEST` (or none) is the active version; a number is that
 * version, and one that is not active runs in its own pool lane (see InvokeTarget's `pinned`).
 */
async function qualifiedVersion(
  catalog: Catalog,
  fn: FunctionRecord,
  qualifier: string | null,
): Promise<{ version: FunctionVersion; pinned: boolean }> {
  if (qualifier === null || qualifier === '$LATEST' || qualifier === String(fn.activeVersion))
    return { version: await activeVersion(catalog, fn), pinned: false };
  const version = /^[1-9]\d{0,8}$/.test(qualifier) ? await catalog.getVersion(fn.id, Number(qualifier)) : null;
  if (version) return { version, pinned: true };
  const reason = /^\d+$/.test(qualifier)
    ? `${fn.name} has no version ${qualifier} (its versions go up to ${fn.activeVersion})`
    : `Nubo has no aliases: use $LATEST or a version number`;
  throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `Function not found with qualifier "${qualifier}": ${reason}.`);
}

/** X-Amz-Client-Context: base64 of a JSON object (at most 3583 bytes, as on Lambda), decoded for the function. */
function clientContextOf(request: LambdaRequest): string | null {
  const header = request.headers['x-amz-client-context'];
  if (typeof header !== 'string' || header === '') return null;
  const text = Buffer.from(header, 'base64').toString('utf8');
  try {
    if (header.length > 3583 || typeof JSON.parse(text) !== 'object') throw new Error('not an object');
  } catch {
    throw new LambdaError(
      'InvalidRequestContentException',
      400,
      'X-Amz-Client-Context must be a base64-encoded JSON object of at most 3583 bytes.',
    );
  }
  return text;
}

function functionError(outcome: InvokeOutcome) {
  const error = outcome.error ?? { type: 'Error', message: 'The invocation failed.' };
  const stackTrace = (error.stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter(Boolean);
  return { errorMessage: error.message, errorType: error.type, stackTrace };
}

/**
 * The subset of AWS Lambda's API that AWS SDKs and the AWS CLI use to call functions (Invoke,
 * GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction), authenticated with SigV4 (key id + key) or a Bearer
 * key, answering Lambda's shapes and error types.
 */
export function lambdaRoutes(
  deps: GatewayDeps,
  auth: Authenticator,
  invoker: Invoker,
  resolver: FunctionResolver,
  deployer: Deployer,
  intake: EventIntake,
): FastifyPluginAsync {
  const { catalog, settings } = deps;
  return async (app) => {
    // A signature covers the body's exact bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.setErrorHandler((err, request, reply) => {
      const error = toLambdaError(err, request);
      if (error.status >= 500) request.log.error({ err }, 'Lambda API request failed');
      return sendLambdaError(reply, error);
    });
    app.setNotFoundHandler((request, reply) =>
      sendLambdaError(
        reply,
        new LambdaError(
          'UnknownOperationException',
          404,
          `Nubo does not implement ${request.method} ${request.url.split('?')[0]} of the Lambda API.`,
        ),
      ),
    );
    app.decorateRequest('user', null as unknown as User);
    const admit = (user: User) => {
      if (singleUserBars(settings.singleUserReason, user)) throw singleUserError(settings.singleUserReason);
      return user;
    };
    // A Bearer key (or none) is checked before the body is read; a signature covers the body, so after.
    app.addHook('onRequest', async (request) => {
      if (!isSigV4(request.headers.authorization)) request.user = admit(await auth.requireUser(request));
    });
    app.addHook('preHandler', async (request) => {
      if (isSigV4(request.headers.authorization))
        request.user = admit(
          await auth.signedUser(request, (request.body as Buffer | undefined) ?? Buffer.alloc(0), behaviourHeaders),
        );
    });

    /** The caller's function a FunctionName (and Qualifier) names, with the version to use. */
    const target = async (request: LambdaRequest, fresh: boolean) => {
      const parsed = parseFunctionName(request.params.name, request.user.username);
      const qualifier = request.query.Qualifier ?? parsed?.qualifier ?? null;
      if (!parsed || (parsed.qualifier !== null && request.query.Qualifier !== undefined && parsed.qualifier !== qualifier))
        throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `Function not found: ${request.params.name}.`);
      const fn = await resolver.own(request.user.id, parsed.name, fresh);
      return { fn, ...(await qualifiedVersion(catalog, fn, qualifier)) };
    };

    app.post(
      '/functions/:name/invocations',
      { bodyLimit: settings.maxEventBytes, config: { errorArea: 'invoke' } },
      async (request: LambdaRequest, reply: FastifyReply) => {
        const invocationType = headerValue(request, 'x-amz-invocation-type', invocationTypes, 'RequestResponse');
        const logType = headerValue(request, 'x-amz-log-type', logTypes, 'None');
        const first = await target(request, false);
        if (invocationType === 'DryRun') return reply.code(204).send();
        if (invocationType === 'Event') {
          if (first.pinned)
            throw new LambdaError(
              'InvalidParameterValueException',
              400,
              'Event invocations run the active version: leave out the Qualifier or use $LATEST.',
            );
          const queued = await intake.enqueue(first, {
            requestId: request.id,
            correlationId: request.correlationId,
            event: eventOf(request.body as Buffer | undefined),
            trigger: 'async',
          });
          return reply.code(202).header('x-amzn-requestid', queued.requestId).send();
        }
        const clientContext = clientContextOf(request);
        const outcome = await invoker.invoke({
          ...first,
          requestId: request.id,
          correlationId: request.correlationId,
          reload: () => target(request, true),
          event: eventOf(request.body as Buffer | undefined),
          ...(clientContext ? { clientContext } : {}),
          trigger: 'invoke',
          logger: request.log,
        });
        setInvocationHeaders(reply, outcome);
        reply.header('x-amzn-requestid', outcome.requestId).header('x-amz-executed-version', String(outcome.version));
        if (logType === 'Tail')
          reply.header('x-amz-log-result', Buffer.from(outcome.output).subarray(-logTailBytes).toString('base64'));
        if (outcome.status === 'ok') return reply.code(200).type(jsonContentType).send(resultBody(outcome));
        // The platform's failures (no room, no worker) are the API's errors; the function's own are its answer.
        if (outcome.status === 'rejected' || outcome.error?.code)
          throw new NuboError(
            outcome.error?.code ?? 'NUBO_ERR_INVOKE_AT_CAPACITY',
            outcome.error?.message ?? 'At capacity: retry.',
          );
        return reply.code(200).header('x-amz-function-error', 'Unhandled').send(functionError(outcome));
      },
    );

    app.get('/functions/:name', async (request: LambdaRequest) => {
      const { fn, version } = await target(request, true);
      return { Configuration: functionConfiguration(fn, version) };
    });

    app.get('/functions/:name/configuration', async (request: LambdaRequest) => {
      const { fn, version } = await target(request, true);
      return functionConfiguration(fn, version);
    });

    const list = async (request: LambdaRequest) => {
      const maxItems = Number(request.query.MaxItems ?? maxListItems);
      if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10_000)
        throw new LambdaError('InvalidParameterValueException', 400, 'MaxItems must be a whole number from 1 to 10000.');
      const marker = request.query.Marker;
      const all = await catalog.listFunctions(request.user.id);
      const start = marker ? all.findIndex((fn) => fn.name > Buffer.from(marker, 'base64url').toString('utf8')) : 0;
      const page = start < 0 ? [] : all.slice(start, start + maxItems);
      const configurations = await Promise.all(
        page.map(async (fn) => functionConfiguration(fn, await activeVersion(catalog, fn))),
      );
      const last = page.at(-1);
      const more = last !== undefined && all.at(-1) !== last;
      return { Functions: configurations, ...(more ? { NextMarker: Buffer.from(last.name).toString('base64url') } : {}) };
    };
    app.get('/functions', list);
    app.get('/functions/', list);

    app.delete('/functions/:name', async (request: LambdaRequest, reply: FastifyReply) => {
      if (request.query.Qualifier !== undefined)
        throw new LambdaError(
          'InvalidParameterValueException',
          400,
          'Nubo deletes whole functions, not versions: leave Qualifier out.',
        );
      const parsed = parseFunctionName(request.params.name, request.user.username);
      if (!parsed || parsed.qualifier !== null)
        throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `Function not found: ${request.params.name}.`);
      const fn = await resolver.own(request.user.id, parsed.name, true);
      await deployer.remove(fn);
      resolver.forget(fn);
      request.log.info({ function: fn.name }, 'removed');
      return reply.code(204).send();
    });
  };
}
