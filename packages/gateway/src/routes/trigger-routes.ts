import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NuboError } from '@nubo/core';
import type { GatewayDeps } from '../deps.js';
import type { Invoker } from '../invoke/invoker.js';
import type { Authenticator } from '../auth/authenticate.js';
import { buildHttpEvent, shapeHttpResult, type HttpResult } from '../http-trigger.js';
import { sendFailure, setInvocationHeaders } from '../invoke/reply-outcome.js';
import { triggerParamsSchema } from '../schemas.js';
import { activeVersion } from './lookup.js';
import type { FunctionResolver } from '../function-resolver.js';
import type { Origins } from '../origins.js';

/** `ANY /fn/:owner/:name/*`: any HTTP request becomes a Lambda HTTP event. */
export function triggerRoutes(
  deps: GatewayDeps,
  auth: Authenticator,
  invoker: Invoker,
  resolver: FunctionResolver,
): FastifyPluginAsyncZod {
  const { catalog, settings } = deps;
  return async (app) => {
    // The handler gets the body as sent, whatever its type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      const { owner, name } = request.params as { owner: string; name: string; '*'?: string };
      // Looked up, and access checked, again if a deploy retires the version under the request.
      const target = async (fresh: boolean) => {
        const fn = await resolver.byOwnerName(owner, name, fresh);
        if (!fn) throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `There is no function "${name}" of user "${owner}".`);
        if (!fn.public) {
          const user = await auth.optionalUser(request);
          if (!user)
            throw new NuboError(
              'NUBO_ERR_AUTH_MISSING_KEY',
              `Function "${name}" is private: send its owner's API key as "Authorization: Bearer <key>", or deploy it with public: true.`,
            );
          if (user.id !== fn.ownerId)
            throw new NuboError('NUBO_ERR_AUTH_FORBIDDEN', `Function "${name}" is private to ${owner}.`);
        }
        return { fn, version: await activeVersion(catalog, fn) };
      };
      const event = buildHttpEvent(request, request.id);
      const outcome = await invoker.invoke({
        ...(await target(false)),
        requestId: request.id,
        correlationId: request.correlationId,
        reload: () => target(true),
        event,
        trigger: 'http',
        logger: request.log,
        shapeResult: shapeHttpResult,
      });
      setInvocationHeaders(reply, outcome);
      if (outcome.status !== 'ok') return sendFailure(reply, outcome);
      const result = outcome.result as HttpResult;
      return reply.code(result.statusCode).headers(result.headers).send(result.body);
    };

    const schema = {
      tags: ['invoke'],
      summary: 'HTTP trigger: the request becomes a Lambda HTTP event; public functions need no key',
      params: triggerParamsSchema,
    };
    app.all('/fn/:owner/:name', { bodyLimit: settings.maxEventBytes, config: { errorArea: 'invoke' }, schema }, handle);
    app.all('/fn/:owner/:name/*', { bodyLimit: settings.maxEventBytes, config: { errorArea: 'invoke' }, schema }, handle);
  };
}

/**
 * On the console's origin, `/fn/…` serves nothing of a tenant's: it says where triggers are.
 * (A page served here could call the API with the session of whoever opened it.)
 */
export function triggersElsewhere(origins: Origins): FastifyPluginAsyncZod {
  return async (app) => {
    const elsewhere = async (request: FastifyRequest) => {
      throw new NuboError(
        'NUBO_ERR_REQUEST_NOT_FOUND',
        `HTTP triggers are served on their own address, apart from the console and the API: ${origins.triggerUrl}${request.url}`,
      );
    };
    app.all('/fn', elsewhere);
    app.all('/fn/*', elsewhere);
  };
}
