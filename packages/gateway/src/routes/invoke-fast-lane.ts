import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { parse as parseJson } from 'secure-json-parse';
import { invocationTypeHeader, newRequestId, type Catalog, type FunctionRecord, type User } from '@nubo/core';
import { sendThrown } from '@nubo/http';
import type { Authenticator } from '../auth/authenticate.js';
import { singleUserBars } from '../auth/single-user.js';
import type { FunctionResolver } from '../function-resolver.js';
import type { Invoker } from '../invoke/invoker.js';
import { NodeReply } from '../invoke/node-reply.js';
import { sendInvocation } from '../invoke/reply-outcome.js';
import type { InvocationMetrics } from '../metrics.js';
import { activeVersion, ownTarget } from './lookup.js';
import { correlationIdOf, idHeadersProblem } from '../request-ids.js';

const invokePath = /^\/v1\/functions\/([^/?#%]+)\/invoke$/;
const jsonMediaType = /^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i;
const decimal = /^\d{1,10}$/;

/** A call whose every check Fastify's hooks and route would make is already settled. */
interface LaneCall {
  user: User;
  fn: FunctionRecord;
  requestId: string;
  correlationId: string | null;
}

/**
 * The invoke route's fast lane: a synchronous call with a JSON body, a Bearer key and a function
 * this gateway looked up in the last 2 s (both cached) is served on node:http directly, without
 * Fastify's request cycle — about a fifth of the gateway's CPU per warm call (BENCHMARKS.md). Every
 * other request, including every one that would be refused, goes to the Fastify route, whose
 * contract this keeps: the same parser settings, invoker, answer and error mapping.
 */
export class InvokeFastLane {
  private open = true;

  constructor(
    private readonly deps: {
      auth: Authenticator;
      resolver: FunctionResolver;
      catalog: Catalog;
      invoker: Invoker;
      metrics: InvocationMetrics;
      logger: FastifyBaseLogger;
      maxEventBytes: number;
      singleUserReason: string | null;
    },
  ) {}

  /** Serves the request and answers true, or answers false having read nothing, for Fastify to serve it. */
  tryServe(request: IncomingMessage, response: ServerResponse): boolean {
    const call = this.open ? this.settledCall(request) : null;
    if (!call) return false;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => void this.serve(call, Buffer.concat(chunks).toString('utf8'), response));
    // A caller that hangs up before its body is complete has invoked nothing.
    request.on('error', () => {});
    return true;
  }

  /** From the gateway's close on, Fastify answers (503 to requests on connections still open). */
  close(): void {
    this.open = false;
  }

  private settledCall(request: IncomingMessage): LaneCall | null {
    if (request.method !== 'POST') return null;
    const name = invokePath.exec(request.url ?? '')?.[1];
    if (!name) return null;
    const { headers } = request;
    const length = headers['content-length'];
    if (headers['transfer-encoding'] !== undefined || length === undefined || !decimal.test(length)) return null;
    // No body (Fastify's own rules for it) and bodies over the limit (its 413) stay with Fastify.
    if (Number(length) === 0 || Number(length) > this.deps.maxEventBytes) return null;
    if (!jsonMediaType.test(headers['content-type'] ?? '') || headers[invocationTypeHeader] !== undefined) return null;
    // Id headers Fastify's hook would refuse stay with Fastify.
    if (idHeadersProblem(headers)) return null;
    const user = this.deps.auth.cachedBearerUser(headers.authorization);
    if (!user || singleUserBars(this.deps.singleUserReason, user)) return null;
    const fn = this.deps.resolver.cachedOwn(user.id, name);
    return fn ? { user, fn, requestId: newRequestId(), correlationId: correlationIdOf(headers) } : null;
  }

  private async serve(call: LaneCall, body: string, response: ServerResponse): Promise<void> {
    const { deps } = this;
    const reply = new NodeReply(response);
    const logger = deps.logger.child({ reqId: call.requestId });
    deps.metrics.countFastLane();
    try {
      // Fastify's JSON parser, with its default refusal of __proto__ and constructor.prototype keys.
      const event: unknown = parseJson(body, undefined, { protoAction: 'error', constructorAction: 'error' });
      const outcome = await deps.invoker.invoke({
        fn: call.fn,
        version: await activeVersion(deps.catalog, call.fn),
        requestId: call.requestId,
        correlationId: call.correlationId,
        reload: () => ownTarget(deps.resolver, deps.catalog, call.user.id, call.fn.name, true),
        event,
        trigger: 'invoke',
        logger,
      });
      sendInvocation(reply, outcome);
    } catch (err) {
      if (!response.headersSent) sendThrown(reply, err, { context: { area: 'invoke' }, id: call.requestId, log: logger });
      else {
        logger.error({ err }, 'the answer broke off');
        response.destroy();
      }
    }
  }
}
