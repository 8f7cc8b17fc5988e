import type { FastifyRequest } from 'fastify';
import { NuboError, type Catalog, type User } from '@nubo/core';
import { bearerCredential } from '@nubo/http';
import { TtlCache } from '../ttl-cache.js';
import { assertSameSite, sessionCredential } from './console-session.js';
import { KeySealer } from './key-sealing.js';
import { hashApiKey, newApiKey } from './secrets.js';
import { parseSigV4, signatureMatches, signingTimeProblem } from './sigv4.js';

const missingKey = () =>
  new NuboError(
    'NUBO_ERR_AUTH_MISSING_KEY',
    'This call needs an API key: send "Authorization: Bearer <api key>" (get one with nubo signup or nubo login).',
  );

const badSignature = (why: string) => new NuboError('NUBO_ERR_AUTH_BAD_SIGNATURE', `The request signature is not valid: ${why}.`);

/**
 * Issues API keys and resolves the user behind a request's key: a Bearer key, or an AWS SigV4
 * signature made with one (key id as access key id, key as secret). Bearer lookups are trusted for
 * 2 s: a key revoked on this gateway stops working at once (the cache is cleared), one revoked
 * elsewhere within 2 s. Signatures are checked against the catalog every time.
 */
export class Authenticator {
  private readonly cache = new TtlCache<User>(2000);
  private readonly sealer: KeySealer | null;

  constructor(
    private readonly catalog: Catalog,
    keySealingSecret: string | null,
  ) {
    this.sealer = keySealingSecret ? new KeySealer(keySealingSecret) : null;
  }

  /** A new key for the user: only its hash is stored, and a sealed copy where signatures can be checked. */
  async issueKey(user: User, name: string): Promise<{ user: User; apiKey: string; keyId: string }> {
    const { key, hash, prefix } = newApiKey();
    const sealedKey = this.sealer?.seal(key) ?? null;
    const record = await this.catalog.createApiKey({ userId: user.id, name, keyHash: hash, prefix, sealedKey });
    return { user, apiKey: key, keyId: record.id };
  }

  /** The user whose key signed this request (AWS SigV4 over the raw body); any flaw is an error, never a guess. */
  async signedUser(request: FastifyRequest, body: Buffer): Promise<User> {
    const auth = parseSigV4(request.headers.authorization ?? '');
    if (!auth)
      throw badSignature('the Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...');
    if (auth.service !== 'lambda') throw badSignature(`the credential is scoped to "${auth.service}"; it must be "lambda"`);
    if (!auth.signedHeaders.includes('host')) throw badSignature('the Host header must be signed');
    const timeProblem = signingTimeProblem(request, auth);
    if (timeProblem) throw badSignature(timeProblem);
    const found = await this.catalog.findSigningKey(auth.keyId);
    if (!found)
      throw new NuboError(
        'NUBO_ERR_AUTH_INVALID_KEY',
        `No API key has the id "${auth.keyId}": use a key id (key_...) from nubo keys create or GET /v1/keys as the access key id.`,
      );
    const key = found.sealedKey && this.sealer ? this.sealer.unseal(found.sealedKey) : null;
    if (!key || hashApiKey(key) !== found.keyHash)
      throw badSignature(
        this.sealer
          ? `the key ${auth.keyId} was made before this Nubo could check signatures: create a new key (nubo keys create)`
          : 'this gateway has no NUBO_KEY_SEALING_SECRET, so it checks no signatures: use a Bearer key',
      );
    if (!(await signatureMatches(request, body, auth, key)))
      throw badSignature('it does not match the request: sign with the key itself as the secret access key');
    return found.user;
  }

  /** The user behind the request's API key, or null when it sends none. A wrong key is an error. */
  async optionalUser(request: FastifyRequest): Promise<User | null> {
    const key = bearerCredential(request.headers.authorization);
    if (key === null) {
      if (request.headers.authorization) {
        throw new NuboError('NUBO_ERR_AUTH_INVALID_KEY', 'The Authorization header must be "Bearer <api key>".');
      }
      return null;
    }
    const user = await this.userOfKey(key);
    if (!user)
      throw new NuboError(
        'NUBO_ERR_AUTH_INVALID_KEY',
        'This API key is not valid: log in again (nubo login) or create a new key.',
      );
    return user;
  }

  /** The user of a Bearer key this gateway has looked up in the last 2 s, without waiting; otherwise undefined. */
  cachedBearerUser(authorization: string | undefined): User | undefined {
    const key = bearerCredential(authorization);
    return key === null ? undefined : this.cache.get(key);
  }

  /** The user of a console session cookie, or null when the request has none. An ended session is an error. */
  async sessionUser(request: FastifyRequest): Promise<User | null> {
    const credential = sessionCredential(request);
    if (!credential) return null;
    const user = await this.userOfKey(credential.apiKey);
    if (!user) throw new NuboError('NUBO_ERR_AUTH_INVALID_KEY', 'Your console session has ended: sign in again.');
    return user;
  }

  /** A key or, without one, the console's session cookie (and then only from the console itself). */
  async requireUserOrSession(request: FastifyRequest): Promise<User> {
    const keyUser = await this.optionalUser(request);
    if (keyUser) return keyUser;
    const sessionUser = await this.sessionUser(request);
    if (!sessionUser) throw missingKey();
    assertSameSite(request);
    return sessionUser;
  }

  // Cached by the key as sent, so a warm call hashes nothing; the key lives in memory no longer than the entry.
  private async userOfKey(key: string): Promise<User | null> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const user = await this.catalog.findUserByKeyHash(hashApiKey(key));
    if (user) this.cache.set(key, user);
    return user;
  }

  async requireUser(request: FastifyRequest): Promise<User> {
    const user = await this.optionalUser(request);
    if (!user) throw missingKey();
    return user;
  }

  /** After a key is revoked here, no cached lookup may outlive it. */
  forgetKeys(): void {
    this.cache.clear();
  }
}
