import type { FastifyRequest } from 'fastify';
import { NuboError, type Catalog, type User } from '@nubo/core';
import { hashApiKey } from './secrets.js';

function bearerKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}

/** The user behind the request's API key, or null when it sends none. A wrong key is an error. */
export async function optionalUser(catalog: Catalog, request: FastifyRequest): Promise<User | null> {
  const key = bearerKey(request);
  if (key === null) {
    if (request.headers.authorization) {
      throw new NuboError('NUBO_ERR_AUTH_INVALID_KEY', 'The Authorization header must be "Bearer <api key>".');
    }
    return null;
  }
  const user = await catalog.findUserByKeyHash(hashApiKey(key));
  if (!user) throw new NuboError('NUBO_ERR_AUTH_INVALID_KEY', 'This API key is not valid: log in again (nubo login) or create a new key.');
  return user;
}

export async function requireUser(catalog: Catalog, request: FastifyRequest): Promise<User> {
  const user = await optionalUser(catalog, request);
  if (!user) {
    throw new NuboError('NUBO_ERR_AUTH_MISSING_KEY', 'This call needs an API key: send "Authorization: Bearer <api key>" (get one with nubo signup or nubo login).');
  }
  return user;
}
