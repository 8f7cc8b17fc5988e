import type { FastifyRequest } from 'fastify';
import { NuboError, type Catalog, type Session, type User } from '@nubo/core';
import { bearerCredential } from '@nubo/http';
import type { Origins } from '../origins.js';
import { TtlCache } from '../ttl-cache.js';
import { assertSameSite, sessionMaxAgeS, sessionToken } from './console-session.js';
import { KeySealer } from './key-sealing.js';
import { hashApiKey, newApiKey, newSessionToken } from './secrets.js';
import { parseSigV4, signatureMatches, signingTimeProblem } from './sigv4.js';

const missingKey = () =>
  new NuboError(
    'NUBO_ERR_AUTH_MISSING_KEY',
    'This call needs an API key: send "Authorization: Bearer <api key>" (get one with nubo signup or nubo login).',
  );

const sessionEnded = () => new NuboError('NUBO_ERR_AUTH_INVALID_KEY', 'Your console session has ended: sign in again.');

/** Who made a request: the user, and the console session it came with (null for an API key). */
export interface Caller {
  user: User;
  session: Session | null;
}

const badSignature = (why: string) => new NuboError('NUBO_ERR_AUTH_BAD_SIGNATURE', `The request signature is not valid: ${why}.`);

/**
 * Issues API keys and resolves the user behind a request's key: a Bearer key, or an AWS SigV4
 * signature made with one (key id as access key id, key as secret). Bearer lookups are trusted for
 * 2 s: a key revoked on this gateway stops working at once (the cache is cleared), one revoked
 * elsewhere within 2 s. Signatures are checked against the catalog every time.
 */
export class Authenticator {
  private readonly cache = new TtlCache<User>(2000);
  private readonly sessions = new TtlCache<{ user: User; session: Session }>(2000);
  private readonly sealer: KeySealer | null;

  constructor(
    private readonly catalog: Catalog,
    keySealingSecret: string | null,
    private readonly origins: Origins,
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

  /**
   * The user whose key signed this request (AWS SigV4 over the raw body); any flaw is an error,
   * never a guess. `mustBeSigned`: headers that change what the call does, honoured only signed.
   */
  async signedUser(request: FastifyRequest, body: Buffer, mustBeSigned: readonly string[] = []): Promise<User> {
    const auth = parseSigV4(request.headers.authorization ?? '');
    if (!auth)
      throw badSignature('the Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...');
    if (auth.service !== 'lambda') throw badSignature(`the credential is scoped to "${auth.service}"; it must be "lambda"`);
    if (!auth.signedHeaders.includes('host')) throw badSignature('the Host header must be signed');
    for (const name of mustBeSigned)
      if (request.headers[name] !== undefined && !auth.signedHeaders.includes(name))
        throw badSignature(`the ${name} header changes what the call does, so it must be signed too (sign every x-amz-* header)`);
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

  /** Opens a console session: its token goes into the cookie, its hash into the catalog. */
  async openSession(user: User, userAgent: string | null): Promise<{ token: string; session: Session }> {
    const { token, hash } = newSessionToken();
    const session = await this.catalog.createSession({
      userId: user.id,
      tokenHash: hash,
      expiresAt: Date.now() + sessionMaxAgeS * 1000,
      userAgent: userAgent?.slice(0, 255) ?? null,
    });
    return { token, session };
  }

  /**
   * The caller of a console session cookie, or null when the request has none. An ended session
   * is an error; the cookie counts for nothing on the host name tenants' pages are served under.
   */
  async sessionCaller(request: FastifyRequest): Promise<{ user: User; session: Session } | null> {
    const token = sessionToken(request);
    if (!token || this.origins.isTriggerHost(request.hostname)) return null;
    const cached = this.sessions.get(token);
    if (cached && cached.session.expiresAt > Date.now()) return cached;
    const found = await this.catalog.findSessionUser(hashApiKey(token), Date.now());
    if (!found) throw sessionEnded();
    this.sessions.set(token, found);
    return found;
  }

  /** A key or, without one, the console's session cookie (and then only from the console itself). */
  async requireCaller(request: FastifyRequest): Promise<Caller> {
    const keyUser = await this.optionalUser(request);
    if (keyUser) return { user: keyUser, session: null };
    const fromSession = await this.sessionCaller(request);
    if (!fromSession) throw missingKey();
    assertSameSite(request, this.origins);
    return fromSession;
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

  /** After a key or a session ends here, no cached lookup may outlive it. */
  forgetCredentials(): void {
    this.cache.clear();
    this.sessions.clear();
  }
}
