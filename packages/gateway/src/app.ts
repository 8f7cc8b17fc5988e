import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { newRequestId } from '@nubo/core';
import { frameworkErrors, installErrorHandlers } from '@nubo/http';
import type { GatewayDeps } from './deps.js';
import { Authenticator } from './auth/authenticate.js';
import { authenticatedRoutes } from './auth/authenticated-routes.js';
import { Deployer } from './deployer.js';
import { FunctionResolver } from './function-resolver.js';
import { Invoker } from './invoke/invoker.js';
import { WorkerSupply } from './invoke/worker-supply.js';
import { InvocationMetrics } from './metrics.js';
import { Prewarmer, type WarmShortfall } from './prewarmer.js';
import { keyRoutes, signInRoutes } from './routes/auth-routes.js';
import { functionRoutes } from './routes/function-routes.js';
import { invokeRoutes } from './routes/invoke-routes.js';
import { InvokeFastLane } from './routes/invoke-fast-lane.js';
import { logRoutes } from './routes/log-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { triggerRoutes, triggersElsewhere } from './routes/trigger-routes.js';
import { lambdaApiPrefix, lambdaRoutes } from './lambda-api/lambda-routes.js';
import { asyncRoutes } from './routes/async-routes.js';
import { adminRoutes } from './routes/admin-routes.js';
import { quotaRoutes } from './routes/quota-routes.js';
import { consoleRoutes } from './console/console-routes.js';
import { EventIntake } from './async/event-intake.js';
import { EventRunner } from './async/event-runner.js';
import { GatewayPresence } from './gateway-presence.js';
import { Origins } from './origins.js';
import { QuotaBook } from './quotas/quota-book.js';
import { correlationIdOf, idHeadersProblem } from './request-ids.js';

type GatewayApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** Where a gateway listens: the API and console on one port, HTTP triggers on another. */
export interface ListenOptions {
  port: number;
  host: string;
  triggerPort: number;
  triggerHost: string;
}

export interface Listening {
  /** The API's and console's URL. */
  url: string;
  /** Where clients reach HTTP triggers (NUBO_TRIGGER_URL, or http://localhost:<trigger port>). */
  triggerUrl: string;
}

export interface Gateway {
  /** The API and the console. */
  app: GatewayApp;
  /** HTTP triggers only: tenants' content, on an origin of its own. */
  triggerApp: GatewayApp;
  invoker: Invoker;
  metrics: InvocationMetrics;
  /** Listens on both ports and announces the gateway in the gateway registry until it closes. */
  listen(options: ListenOptions): Promise<Listening>;
  /** Stops prewarming, accepting requests and taking async events, lets in-flight calls finish and gives their workers back. */
  close(): Promise<void>;
}

/** A Fastify app with the gateway's settings: its logger, request ids, and the one error mapping. */
function gatewayApp(deps: GatewayDeps, notFoundHint: string): GatewayApp {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One structured line per invocation replaces Fastify's two lines per request.
    logController: new LogController({ disableRequestLogging: true }),
    // Every request id is Nubo's own; a caller's own id is its correlation id (request-ids.ts).
    genReqId: () => newRequestId(),
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app, { notFoundHint });
  app.decorateRequest('correlationId', null);
  app.addHook('onRequest', async (request) => {
    const problem = idHeadersProblem(request.headers);
    if (problem) throw problem;
    request.correlationId = correlationIdOf(request.headers);
  });
  return app;
}

/** Builds the gateway (the seed's Main): the HTTP API, and the only caller of functions. */
export async function buildGateway(deps: GatewayDeps): Promise<Gateway> {
  const { settings } = deps;
  const origins = new Origins({ publicUrl: settings.publicUrl, triggerUrl: settings.triggerUrl });
  const app = gatewayApp(deps, 'see GET /openapi.json for the API');
  const triggerApp = gatewayApp(deps, 'this address serves HTTP triggers only: /fn/<owner>/<function>/…');

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Nubo API',
        version: '1',
        description: 'Self-hosted Function-as-a-Service. Send "Authorization: Bearer <api key>".',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const metrics: InvocationMetrics = new InvocationMetrics(deps.liveWorkers, () => deps.invocationLog.dropped, {
    shortfalls: (): WarmShortfall[] => prewarmer.currentShortfalls(),
    managerLoads: () => deps.managers.loads(),
  });
  const supply = new WorkerSupply({
    pool: deps.pool,
    managers: deps.managers,
    logger: deps.logger,
    maxQueueWaitMs: settings.maxQueueWaitMs,
    waitingForRoom: metrics.waitingForRoom,
  });
  const invoker = new Invoker({
    supply,
    invocationLog: deps.invocationLog,
    metrics,
    maxLogBytes: settings.maxLogBytes,
    maxResponseBytes: settings.maxResponseBytes,
    leaseMarginMs: settings.leaseMarginMs,
  });
  const prewarmer = new Prewarmer({ catalog: deps.catalog, supply, logger: deps.logger, intervalMs: settings.prewarmIntervalMs });
  const quotas = new QuotaBook({ catalog: deps.catalog, queue: deps.invocationQueue, defaults: settings.quotas });
  const deployer = new Deployer(deps, quotas, () => prewarmer.kick());
  const intake = new EventIntake(deps.invocationQueue, quotas);
  const auth = new Authenticator(deps.catalog, settings.keySealingSecret, origins);
  const resolver = new FunctionResolver(deps.catalog);

  await app.register(cookie);
  await app.register(systemRoutes(metrics));
  await app.register(consoleRoutes());
  await app.register(signInRoutes(deps.catalog, auth, quotas, origins, settings));
  await app.register(
    authenticatedRoutes(auth, settings.singleUserReason, [
      keyRoutes(deps.catalog, auth, quotas),
      functionRoutes(deps, deployer, resolver, origins, (id) => prewarmer.shortfallOf(id)),
      invokeRoutes(deps, invoker, resolver, intake),
      logRoutes(deps, quotas),
      asyncRoutes(deps, resolver, quotas),
      adminRoutes(deps, quotas),
      quotaRoutes(quotas),
    ]),
  );
  await app.register(triggersElsewhere(origins));
  await app.register(lambdaRoutes(deps, auth, invoker, resolver, deployer, intake), { prefix: lambdaApiPrefix });
  await app.ready();
  await triggerApp.register(triggerRoutes(deps, auth, invoker, resolver));
  await triggerApp.ready();
  const fastLane = new InvokeFastLane({
    auth,
    resolver,
    catalog: deps.catalog,
    invoker,
    metrics,
    logger: app.log,
    maxEventBytes: settings.maxEventBytes,
    singleUserReason: settings.singleUserReason,
  });
  // Fastify made the server with its settings (timeouts, keep-alive): the fast lane goes in front of its handler.
  const [fastifyHandler] = app.server.listeners('request') as RequestListener[];
  app.server.removeAllListeners('request');
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!fastLane.tryServe(request, response)) fastifyHandler!(request, response);
  });
  prewarmer.start();
  const runner = new EventRunner({
    catalog: deps.catalog,
    resolver,
    invoker,
    intake,
    invocationLog: deps.invocationLog,
    logger: deps.logger,
    loopsStopped: metrics.destinationLoopsStopped,
  });
  deps.invocationQueue.consume(runner.process);
  const presence = new GatewayPresence(deps.gateways, settings.heartbeatMs, deps.logger);

  return {
    app,
    triggerApp,
    invoker,
    metrics,
    async listen(where) {
      const url = (await app.listen({ port: where.port, host: where.host })).replace('[::1]', 'localhost');
      await triggerApp.listen({ port: where.triggerPort, host: where.triggerHost });
      origins.triggerListening((triggerApp.server.address() as AddressInfo).port);
      presence.announce(url);
      return { url, triggerUrl: origins.triggerUrl };
    },
    async close() {
      await presence.withdraw();
      await prewarmer.stop();
      fastLane.close();
      // A keep-alive connection that was busy when the close began goes idle only after its answer,
      // and would hold the close up until it timed out: close such connections as they go idle.
      const sweep = setInterval(() => {
        app.server.closeIdleConnections();
        triggerApp.server.closeIdleConnections();
      }, 50);
      await Promise.all([app.close(), triggerApp.close()]).finally(() => clearInterval(sweep));
      // Running async events finish (their workers go back); queued ones wait for the next start.
      await deps.invocationQueue.close();
      await invoker.close();
    },
  };
}
