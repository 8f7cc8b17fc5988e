import type { Quotas } from '../quotas.js';
import type { ApiKey, FunctionRecord, FunctionVersion, Session, User } from '../types.js';

/** A version as a deploy describes it; the catalog numbers and dates it. */
export type NewVersion = Omit<FunctionVersion, 'functionId' | 'version' | 'createdAt'>;

export interface DeployedVersion {
  fn: FunctionRecord;
  version: FunctionVersion;
}

export interface NewApiKey {
  userId: string;
  name: string;
  keyHash: string;
  prefix: string;
  /** The key encrypted with the gateways' sealing secret, so it can check request signatures; null without one. */
  sealedKey: string | null;
}

/** What checking a signature made with a key needs: the key, sealed, and its hash to check what was unsealed. */
export interface SigningKey {
  user: User;
  keyHash: string;
  sealedKey: string | null;
}

export interface NewSession {
  userId: string;
  tokenHash: string;
  expiresAt: number;
  userAgent: string | null;
}

/** A user keeps at most this many unexpired sessions; signing in again ends the oldest. */
export const maxSessionsPerUser = 50;

/** What a user holds in the catalog, as its quotas count it. */
export interface CatalogUsage {
  functions: number;
  apiKeys: number;
  /** The unpacked size of the code of every version kept, each bundle once. */
  codeBytes: number;
}

/** Users, API keys (hashes, and sealed copies for signatures), functions and their immutable versions. */
export interface Catalog {
  /** False until the first user (the admin) signs up. */
  hasUsers(): Promise<boolean>;
  createUser(input: { username: string; passwordHash: string }): Promise<User>;
  findUserByName(username: string): Promise<(User & { passwordHash: string }) | null>;

  createApiKey(input: NewApiKey): Promise<ApiKey>;
  /** Looks a key up by its hash and notes its use. */
  findUserByKeyHash(keyHash: string): Promise<User | null>;
  /** Looks a key up by its id, for request signatures (AWS SigV4), and notes its use. */
  findSigningKey(keyId: string): Promise<SigningKey | null>;
  listApiKeys(userId: string): Promise<ApiKey[]>;
  deleteApiKey(userId: string, keyId: string): Promise<boolean>;

  /** Opens a session, ending the user's expired ones and, past maxSessionsPerUser, the oldest. */
  createSession(input: NewSession): Promise<Session>;
  /** The user of an unexpired session, by its token's hash; notes its use. */
  findSessionUser(tokenHash: string, now: number): Promise<{ user: User; session: Session } | null>;
  /** The user's unexpired sessions, newest first. */
  listSessions(userId: string, now: number): Promise<Session[]>;
  deleteSession(userId: string, sessionId: string): Promise<boolean>;

  /**
   * Adds the next version of a function (creating the function on its first deploy) without
   * activating it; `activateVersion` makes it the one invocations run.
   */
  addVersion(ownerId: string, name: string, input: NewVersion & { public: boolean }): Promise<DeployedVersion>;
  activateVersion(functionId: string, version: number, isPublic: boolean): Promise<FunctionRecord>;
  /** Removes a version that never became active (its deploy failed). */
  discardVersion(functionId: string, version: number): Promise<void>;
  /** Removes a version that is not the active one; answers it, or null when there is none such. */
  deleteVersion(functionId: string, version: number): Promise<FunctionVersion | null>;
  getFunction(ownerId: string, name: string): Promise<FunctionRecord | null>;
  getFunctionByOwnerName(ownerName: string, name: string): Promise<FunctionRecord | null>;
  listFunctions(ownerId: string): Promise<FunctionRecord[]>;
  /** Every user, oldest first (for the admin). */
  listUsers(): Promise<User[]>;
  /** Every owner's deployed functions, by owner then name (for the admin's view of the pool). */
  listAllFunctions(): Promise<FunctionRecord[]>;
  getVersion(functionId: string, version: number): Promise<FunctionVersion | null>;
  listVersions(functionId: string): Promise<FunctionVersion[]>;
  /** The active version of every function that keeps warm workers (minWarm > 0), for the prewarmer. */
  listWarmTargets(): Promise<DeployedVersion[]>;
  /** The limits the admin set for a user (the rest are the defaults). */
  quotaOverrides(userId: string): Promise<Partial<Quotas>>;
  /** Replaces them: a quota left out goes back to the default. */
  setQuotaOverrides(userId: string, overrides: Partial<Quotas>): Promise<void>;
  /** What a user holds, as its quotas count it. */
  usageOf(ownerId: string): Promise<CatalogUsage>;
  /** Whether a version of a user's functions uses this code already (it then counts once). */
  ownsCode(ownerId: string, digest: string): Promise<boolean>;
  /** Whether any version of any function still uses this code bundle. */
  codeInUse(digest: string): Promise<boolean>;
  /** Deletes a function and all its versions; returns the versions it had. */
  deleteFunction(functionId: string): Promise<FunctionVersion[]>;
  close(): Promise<void>;
}
