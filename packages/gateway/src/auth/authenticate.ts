import type { FastifyRequest } from 'fastify';
import { NuboError, type Catalog, type User } from '@nubo/core';
import { bearerCredential } from '@nubo/http';
import { TtlCache } from '../ttl-cache.js';
import { hashApiKey } from './secrets.js';

/**
 * Resolves the user behind a request's API key. Lookups are trusted for 2 s: a key revoked on this
 * gateway stops working at once (the cache is cleared), one revoked elsewhere within 2 s.
 */
export class Authenticator {
  private readonly cache = new TtlCache<User>(2000);

  constructor(private readonly catalog: Catalog) {}

  /** The user behind the request's API key, or null when it sends none. A wrong key is an error. */
  async optionalUser(request: FastifyRequest): Promise<User | null> {
    const key = bearerCredential(request.headers.authorization);
    if (key === null) {
      if (request.headers.authorization) {
        throw new NuboError('NUBO_ERR_AUTH_INVALID_KEY', 'The Authorization header must be "Bearer <api key>".');
      }
      return null;
    }
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const user = await this.catalog.findUserByKeyHash(hash);
    if (!user)
      throw new NuboError(
        'NUBO_ERR_AUTH_INVALID_KEY',
        'This API key is not valid: log in again (nubo login) or create a new key.',
      );
    this.cache.set(hash, user);
    return user;
  }

  async requireUser(request: FastifyRequest): Promise<User> {
    const user = await this.optionalUser(request);
    if (!user) {
      throw new NuboError(
        'NUBO_ERR_AUTH_MISSING_KEY',
        'This call needs an API key: send "Authorization: Bearer <api key>" (get one with nubo signup or nubo login).',
      );
    }
    return user;
  }

  /** After a key is revoked here, no cached lookup may outlive it. */
  forgetKeys(): void {
    this.cache.clear();
  }
}
