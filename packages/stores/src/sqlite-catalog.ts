import {
  NuboError,
  newId,
  type ApiKey,
  type Catalog,
  type DeployedVersion,
  type FunctionRecord,
  type FunctionVersion,
  maxSessionsPerUser,
  type CatalogUsage,
  type NewApiKey,
  type NewSession,
  type Quotas,
  type NewVersion,
  type Session,
  type SigningKey,
  type User,
} from '@nubo/core';
import { openSqlite, type SqliteDatabase } from './sqlite-open.js';
import { VersionMemo } from './version-memo.js';
import {
  keyUseResolutionMs,
  selectFunction,
  selectSessionUser,
  selectOwnsCode,
  selectUsage,
  selectWarmTargets,
  toFunction,
  toKey,
  toSession,
  toSessionUser,
  toSigningKey,
  toUser,
  toVersion,
  toWarmTarget,
  type FunctionRow,
  type KeyRow,
  type SessionRow,
  type SigningKeyColumns,
  type UserRow,
  type VersionRow,
} from './catalog-rows.js';

/** The embedded Catalog: one SQLite file. */
export class SqliteCatalog implements Catalog {
  private readonly db: SqliteDatabase;
  private readonly stmt;
  private readonly versions = new VersionMemo();

  constructor(file: string) {
    this.db = openSqlite(file, 'sqlite-catalog');
    const db = this.db;
    this.stmt = {
      countUsers: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users'),
      insertUser: db.prepare('INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?)'),
      userByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
      insertKey: db.prepare(
        'INSERT INTO api_keys (id, user_id, name, key_hash, prefix, sealed_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      keyByHash: db.prepare<[string], UserRow & { key_id: string; last_used_at: number | null }>(
        'SELECT u.*, k.id AS key_id, k.last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?',
      ),
      keyById: db.prepare<[string], UserRow & SigningKeyColumns>(
        'SELECT u.*, k.id AS key_id, k.key_hash, k.sealed_key, k.last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?',
      ),
      touchKey: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
      keysOf: db.prepare<[string], KeyRow>(
        'SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY created_at',
      ),
      deleteKey: db.prepare('DELETE FROM api_keys WHERE user_id = ? AND id = ?'),
      insertSession: db.prepare(
        'INSERT INTO sessions (id, user_id, token_hash, user_agent, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      endExpiredSessions: db.prepare('DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?'),
      endOldestSessions: db.prepare(
        'DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id LIMIT -1 OFFSET ?)',
      ),
      sessionUser: db.prepare<[string, number], Record<string, unknown>>(selectSessionUser),
      touchSession: db.prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?'),
      sessionsOf: db.prepare<[string, number], SessionRow>(
        'SELECT id, user_id, user_agent, created_at, expires_at, last_used_at FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id',
      ),
      deleteSession: db.prepare('DELETE FROM sessions WHERE user_id = ? AND id = ?'),
      fnByOwner: db.prepare<[string, string], FunctionRow>(`${selectFunction} WHERE f.owner_id = ? AND f.name = ?`),
      fnByOwnerName: db.prepare<[string, string], FunctionRow>(`${selectFunction} WHERE u.username = ? AND f.name = ?`),
      fnById: db.prepare<[string], FunctionRow>(`${selectFunction} WHERE f.id = ?`),
      fnsOf: db.prepare<[string], FunctionRow>(`${selectFunction} WHERE f.owner_id = ? ORDER BY f.name`),
      allFns: db.prepare<[], FunctionRow>(`${selectFunction} WHERE f.active_version > 0 ORDER BY f.owner_id, f.name`),
      allUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, username'),
      insertFn: db.prepare(
        'INSERT INTO functions (id, owner_id, name, public, active_version, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
      ),
      nextVersion: db.prepare<[string], { v: number }>(
        'SELECT COALESCE(MAX(version), 0) + 1 AS v FROM versions WHERE function_id = ?',
      ),
      insertVersion: db.prepare(
        `INSERT INTO versions (function_id, version, runtime, handler, code_digest, code_size, unpacked_size, env_json, memory_mb,
           timeout_ms, max_concurrency, min_warm, idle_ttl_ms, network, async_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      activate: db.prepare(
        'UPDATE functions SET active_version = ?, public = ?, updated_at = ? WHERE id = ? AND active_version < ?',
      ),
      discardVersion: db.prepare('DELETE FROM versions WHERE function_id = ? AND version = ?'),
      inactiveVersion: db.prepare<[string, number], VersionRow>(
        `SELECT v.* FROM versions v JOIN functions f ON f.id = v.function_id
           WHERE v.function_id = ? AND v.version = ? AND f.active_version <> v.version`,
      ),
      quotasOf: db.prepare<[string], { quotas_json: string }>('SELECT quotas_json FROM user_quotas WHERE user_id = ?'),
      setQuotas: db.prepare(
        'INSERT INTO user_quotas (user_id, quotas_json) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET quotas_json = excluded.quotas_json',
      ),
      usage: db.prepare<[string, string, string], { functions: number; api_keys: number; code_bytes: number }>(selectUsage),
      ownsCode: db.prepare<[string, string], { found: number }>(selectOwnsCode),
      discardEmptyFn: db.prepare(
        'DELETE FROM functions WHERE id = ? AND active_version = 0 AND NOT EXISTS (SELECT 1 FROM versions WHERE function_id = ?)',
      ),
      version: db.prepare<[string, number], VersionRow>('SELECT * FROM versions WHERE function_id = ? AND version = ?'),
      versionsOf: db.prepare<[string], VersionRow>('SELECT * FROM versions WHERE function_id = ? ORDER BY version'),
      deleteFn: db.prepare('DELETE FROM functions WHERE id = ?'),
      warmTargets: db.prepare<[], Record<string, unknown>>(selectWarmTargets),
      codeUsers: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM versions WHERE code_digest = ?'),
    };
  }

  async hasUsers(): Promise<boolean> {
    return this.stmt.countUsers.get()!.n > 0;
  }

  async createUser(input: { username: string; passwordHash: string }): Promise<User> {
    const create = this.db.transaction(() => {
      if (this.stmt.userByName.get(input.username)) {
        throw new NuboError(
          'NUBO_ERR_AUTH_USERNAME_TAKEN',
          `The username "${input.username}" is taken: choose another one or log in.`,
        );
      }
      const isAdmin = this.stmt.countUsers.get()!.n === 0;
      const user: User = { id: newId('usr'), username: input.username, isAdmin, createdAt: Date.now() };
      this.stmt.insertUser.run(user.id, user.username, input.passwordHash, isAdmin ? 1 : 0, user.createdAt);
      return user;
    });
    return create.immediate();
  }

  async findUserByName(username: string): Promise<(User & { passwordHash: string }) | null> {
    const row = this.stmt.userByName.get(username);
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async createApiKey(input: NewApiKey): Promise<ApiKey> {
    const key: ApiKey = {
      id: newId('key'),
      userId: input.userId,
      name: input.name,
      prefix: input.prefix,
      createdAt: Date.now(),
      lastUsedAt: null,
    };
    this.stmt.insertKey.run(key.id, key.userId, key.name, input.keyHash, key.prefix, input.sealedKey, key.createdAt);
    return key;
  }

  async findUserByKeyHash(keyHash: string): Promise<User | null> {
    const row = this.stmt.keyByHash.get(keyHash);
    if (!row) return null;
    this.noteKeyUse(row);
    return toUser(row);
  }

  async findSigningKey(keyId: string): Promise<SigningKey | null> {
    const row = this.stmt.keyById.get(keyId);
    if (!row) return null;
    this.noteKeyUse(row);
    return toSigningKey(row);
  }

  private noteKeyUse(row: { key_id: string; last_used_at: number | null }): void {
    const now = Date.now();
    if (row.last_used_at !== null && now - row.last_used_at <= keyUseResolutionMs) return;
    try {
      this.stmt.touchKey.run(now, row.key_id);
    } catch {
      // Best effort: a key's last use not noted (a full disk) never refuses the request it authenticates.
    }
  }

  async listApiKeys(userId: string): Promise<ApiKey[]> {
    return this.stmt.keysOf.all(userId).map(toKey);
  }

  async deleteApiKey(userId: string, keyId: string): Promise<boolean> {
    return this.stmt.deleteKey.run(userId, keyId).changes > 0;
  }

  async createSession(input: NewSession): Promise<Session> {
    const now = Date.now();
    const session: Session = {
      id: newId('ses'),
      userId: input.userId,
      createdAt: now,
      expiresAt: input.expiresAt,
      lastUsedAt: null,
      userAgent: input.userAgent,
    };
    this.db
      .transaction(() => {
        this.stmt.endExpiredSessions.run(input.userId, now);
        this.stmt.insertSession.run(session.id, input.userId, input.tokenHash, input.userAgent, now, input.expiresAt);
        this.stmt.endOldestSessions.run(input.userId, maxSessionsPerUser);
      })
      .immediate();
    return session;
  }

  async findSessionUser(tokenHash: string, now: number): Promise<{ user: User; session: Session } | null> {
    const row = this.stmt.sessionUser.get(tokenHash, now);
    if (!row) return null;
    const found = toSessionUser(row);
    if (found.session.lastUsedAt === null || now - found.session.lastUsedAt > keyUseResolutionMs) {
      try {
        this.stmt.touchSession.run(now, found.session.id);
      } catch {
        // Best effort, as for keys: a full disk never signs anyone out.
      }
    }
    return found;
  }

  async listSessions(userId: string, now: number): Promise<Session[]> {
    return this.stmt.sessionsOf.all(userId, now).map(toSession);
  }

  async deleteSession(userId: string, sessionId: string): Promise<boolean> {
    return this.stmt.deleteSession.run(userId, sessionId).changes > 0;
  }

  async addVersion(ownerId: string, name: string, input: NewVersion & { public: boolean }): Promise<DeployedVersion> {
    const add = this.db.transaction(() => {
      const now = Date.now();
      let fnRow = this.stmt.fnByOwner.get(ownerId, name);
      if (!fnRow) {
        this.stmt.insertFn.run(newId('fn'), ownerId, name, input.public ? 1 : 0, now, now);
        fnRow = this.stmt.fnByOwner.get(ownerId, name)!;
      }
      const version = this.stmt.nextVersion.get(fnRow.id)!.v;
      const l = input.limits;
      this.stmt.insertVersion.run(
        fnRow.id,
        version,
        input.runtime,
        input.handler,
        input.codeDigest,
        input.codeSize,
        input.unpackedSize,
        JSON.stringify(input.env),
        l.memoryMb,
        l.timeoutMs,
        l.maxConcurrency,
        l.minWarm,
        l.idleTtlMs,
        input.network,
        JSON.stringify(input.async),
        now,
      );
      return { fn: toFunction(fnRow), version: toVersion(this.stmt.version.get(fnRow.id, version)!) };
    });
    return add.immediate();
  }

  async activateVersion(functionId: string, version: number, isPublic: boolean): Promise<FunctionRecord> {
    this.stmt.activate.run(version, isPublic ? 1 : 0, Date.now(), functionId, version);
    const row = this.stmt.fnById.get(functionId);
    if (!row) throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', 'The function was removed while it was being deployed.');
    return toFunction(row);
  }

  async discardVersion(functionId: string, version: number): Promise<void> {
    this.versions.forget(functionId, version);
    this.db
      .transaction(() => {
        this.stmt.discardVersion.run(functionId, version);
        this.stmt.discardEmptyFn.run(functionId, functionId);
      })
      .immediate();
  }

  async deleteVersion(functionId: string, version: number): Promise<FunctionVersion | null> {
    return this.db
      .transaction(() => {
        const row = this.stmt.inactiveVersion.get(functionId, version);
        if (!row) return null;
        this.versions.forget(functionId, version);
        this.stmt.discardVersion.run(functionId, version);
        return toVersion(row);
      })
      .immediate();
  }

  async quotaOverrides(userId: string): Promise<Partial<Quotas>> {
    const row = this.stmt.quotasOf.get(userId);
    return row ? (JSON.parse(row.quotas_json) as Partial<Quotas>) : {};
  }

  async setQuotaOverrides(userId: string, overrides: Partial<Quotas>): Promise<void> {
    this.stmt.setQuotas.run(userId, JSON.stringify(overrides));
  }

  async usageOf(ownerId: string): Promise<CatalogUsage> {
    const row = this.stmt.usage.get(ownerId, ownerId, ownerId)!;
    return { functions: row.functions, apiKeys: row.api_keys, codeBytes: row.code_bytes };
  }

  async ownsCode(ownerId: string, digest: string): Promise<boolean> {
    return this.stmt.ownsCode.get(ownerId, digest) !== undefined;
  }

  async getFunction(ownerId: string, name: string): Promise<FunctionRecord | null> {
    const row = this.stmt.fnByOwner.get(ownerId, name);
    return row && row.active_version > 0 ? toFunction(row) : null;
  }

  async getFunctionByOwnerName(ownerName: string, name: string): Promise<FunctionRecord | null> {
    const row = this.stmt.fnByOwnerName.get(ownerName, name);
    return row && row.active_version > 0 ? toFunction(row) : null;
  }

  async listFunctions(ownerId: string): Promise<FunctionRecord[]> {
    return this.stmt.fnsOf
      .all(ownerId)
      .filter((row) => row.active_version > 0)
      .map(toFunction);
  }

  async listUsers(): Promise<User[]> {
    return this.stmt.allUsers.all().map(toUser);
  }

  async listAllFunctions(): Promise<FunctionRecord[]> {
    return this.stmt.allFns.all().map(toFunction);
  }

  async getVersion(functionId: string, version: number): Promise<FunctionVersion | null> {
    return this.versions.get(functionId, version, async () => {
      const row = this.stmt.version.get(functionId, version);
      return row ? toVersion(row) : null;
    });
  }

  async listWarmTargets(): Promise<DeployedVersion[]> {
    return this.stmt.warmTargets.all().map(toWarmTarget);
  }

  async listVersions(functionId: string): Promise<FunctionVersion[]> {
    return this.stmt.versionsOf.all(functionId).map(toVersion);
  }

  async codeInUse(digest: string): Promise<boolean> {
    return this.stmt.codeUsers.get(digest)!.n > 0;
  }

  async deleteFunction(functionId: string): Promise<FunctionVersion[]> {
    return this.db
      .transaction(() => {
        const versions = this.stmt.versionsOf.all(functionId).map(toVersion);
        for (const v of versions) this.versions.forget(functionId, v.version);
        this.stmt.deleteFn.run(functionId);
        return versions;
      })
      .immediate();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
