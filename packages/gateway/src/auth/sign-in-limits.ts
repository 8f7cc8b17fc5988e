import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NuboError } from '@nubo/core';

export interface SignInLimits {
  /** Sign-up and login attempts per client address per minute. */
  perClient: number;
  /** Sign-up and login attempts per username per minute, from anywhere. */
  perUsername: number;
}

const minute = 60_000;

/**
 * Rate limits for sign-up and login (the well-kept @fastify/rate-limit), counted in this gateway's
 * memory per client address and per username. Both are checked in one preHandler (the plugin runs
 * one route limiter per request, and the username is known only once the body is parsed). Past
 * either: 429 NUBO_ERR_AUTH_RATE_LIMITED with retry-after.
 */
export async function signInLimiter(app: FastifyInstance, limits: SignInLimits) {
  await app.register(rateLimit, { global: false });
  const limiters = [
    app.createRateLimit({ max: limits.perClient, timeWindow: minute, keyGenerator: (request) => `client:${request.ip}` }),
    app.createRateLimit({
      max: limits.perUsername,
      timeWindow: minute,
      keyGenerator: (request) =>
        `username:${String((request.body as { username?: unknown } | undefined)?.username ?? '').toLowerCase()}`,
    }),
  ];
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    for (const limiter of limiters) {
      const state = await limiter(request);
      if (!state.isAllowed && state.isExceeded) {
        reply.header('retry-after', state.ttlInSeconds);
        throw new NuboError('NUBO_ERR_AUTH_RATE_LIMITED', `Too many sign-in attempts: retry in ${state.ttlInSeconds} s.`);
      }
    }
  };
}
