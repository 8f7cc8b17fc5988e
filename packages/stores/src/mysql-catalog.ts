import { createPool, type Pool, type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import {
  NuboError,
  newId,
  redactUrl,
  type ApiKey,
  type Catalog,
  type DeployedVersion,
  type FunctionRecord,
  type FunctionVersion,
  type Logger,
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
import { migrateMysql } from './mysql-migrations.js';

function storeUnavailable(err: unknown): never {
  if (err instanceof NuboError) throw err;
  throw new NuboError(
    'NUBO_ERR_STORE_UNAVAILABLE',
    `The catalog database (MySQL) is unavailable: ${(err as Error).message}. Retry shortly; the operator should check MySQL.`,
  );
}

/** The production Catalog: MySQL or MariaDB through mysql2, schema migrated at start-up. */
export class MysqlCatalog implements Catalog {
  private readonly versions = new VersionMemo();

  private constructor(private readonly pool: Pool) {}

  /** Connects, checks the credentials and applies pending migrations; fails with one clear message. */
  static async connect(url: string, logger: Logger): Promise<MysqlCatalog> {
    const pool = createPool({
      uri: url,
      connectionLimit: 10,
      waitForConnections: true,
      connectTimeout: 5000,
      enableKeepAlive: true,
    });
    try {
      await migrateMysql(pool, logger);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new NuboError(
        'NUBO_ERR_CONFIG_INVALID',
        `Cannot use the MySQL catalog at ${redactUrl(url)} (${(err as Error).message}): check NUBO_MYSQL_URL (user, password, database) and that MySQL is running.`,
      );
    }
    return new MysqlCatalog(pool);
  }

  private async rows<T>(sql: string, params: unknown[] = [], conn: Pool | PoolConnection = this.pool): Promise<T[]> {
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } catch (err) {
      return storeUnavailable(err);
    }
  }

  private async exec(sql: string, params: unknown[] = [], conn: Pool | PoolConnection = this.pool): Promise<ResultSetHeader> {
    try {
      const [result] = await conn.query(sql, params);
      return result as ResultSetHeader;
    } catch (err) {
      return storeUnavailable(err);
    }
  }

  private async transaction<T>(work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection().catch(storeUnavailable);
    try {
      await conn.beginTransaction();
      const result = await work(conn);
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  async hasUsers(): Promise<boolean> {
    return (await this.rows('SELECT 1 FROM users LIMIT 1')).length > 0;
  }

  async createUser(input: { username: string; passwordHash: string }): Promise<User> {
    return this.transaction(async (conn) => {
      // Locks the table's rows so that exactly one first user becomes the admin.
      const existing = await this.rows<{ username: string }>('SELECT username FROM users FOR UPDATE', [], conn);
      if (existing.some((u) => u.username === input.username)) {
        throw new NuboError(
          'NUBO_ERR_AUTH_USERNAME_TAKEN',
          `The username "${input.username}" is taken: choose another one or log in.`,
        );
      }
      const user: User = { id: newId('usr'), username: input.username, isAdmin: existing.length === 0, createdAt: Date.now() };
      await this.exec(
        'INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?)',
        [user.id, user.username, input.passwordHash, user.isAdmin ? 1 : 0, user.createdAt],
        conn,
      );
      return user;
    });
  }

  async findUserByName(username: string): Promise<(User & { passwordHash: string }) | null> {
    const [row] = await this.rows<UserRow>('SELECT * FROM users WHERE username = ?', [username]);
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
    await this.exec(
      'INSERT INTO api_keys (id, user_id, name, key_hash, prefix, sealed_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [key.id, key.userId, key.name, input.keyHash, key.prefix, input.sealedKey, key.createdAt],
    );
    return key;
  }

  async findUserByKeyHash(keyHash: string): Promise<User | null> {
    const [row] = await this.rows<UserRow & { key_id: string; last_used_at: number | null }>(
      'SELECT u.*, k.id AS key_id, k.last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?',
      [keyHash],
    );
    if (!row) return null;
    await this.noteKeyUse(row);
    return toUser(row);
  }

  async findSigningKey(keyId: string): Promise<SigningKey | null> {
    const [row] = await this.rows<UserRow & SigningKeyColumns>(
      'SELECT u.*, k.id AS key_id, k.key_hash, k.sealed_key, k.last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?',
      [keyId],
    );
    if (!row) return null;
    await this.noteKeyUse(row);
    return toSigningKey(row);
  }

  private async noteKeyUse(row: { key_id: string; last_used_at: number | null }): Promise<void> {
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at > keyUseResolutionMs)
      await this.exec('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [now, row.key_id]);
  }

  async listApiKeys(userId: string): Promise<ApiKey[]> {
    return (
      await this.rows<KeyRow>(
        'SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY created_at, id',
        [userId],
      )
    ).map(toKey);
  }

  async deleteApiKey(userId: string, keyId: string): Promise<boolean> {
    return (await this.exec('DELETE FROM api_keys WHERE user_id = ? AND id = ?', [userId, keyId])).affectedRows > 0;
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
    await this.transaction(async (conn) => {
      await this.exec('DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?', [input.userId, now], conn);
      await this.exec(
        'INSERT INTO sessions (id, user_id, token_hash, user_agent, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        [session.id, input.userId, input.tokenHash, input.userAgent, now, input.expiresAt],
        conn,
      );
      const beyond = await this.rows<{ id: string }>(
        'SELECT id FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id LIMIT 1000 OFFSET ?',
        [input.userId, maxSessionsPerUser],
        conn,
      );
      if (beyond.length > 0) await this.exec('DELETE FROM sessions WHERE id IN (?)', [beyond.map((row) => row.id)], conn);
    });
    return session;
  }

  async findSessionUser(tokenHash: string, now: number): Promise<{ user: User; session: Session } | null> {
    const [row] = await this.rows<Record<string, unknown>>(selectSessionUser, [tokenHash, now]);
    if (!row) return null;
    const found = toSessionUser(row);
    if (found.session.lastUsedAt === null || now - found.session.lastUsedAt > keyUseResolutionMs)
      await this.exec('UPDATE sessions SET last_used_at = ? WHERE id = ?', [now, found.session.id]);
    return found;
  }

  async listSessions(userId: string, now: number): Promise<Session[]> {
    const rows = await this.rows<SessionRow>(
      'SELECT id, user_id, user_agent, created_at, expires_at, last_used_at FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id',
      [userId, now],
    );
    return rows.map(toSession);
  }

  async deleteSession(userId: string, sessionId: string): Promise<boolean> {
    return (await this.exec('DELETE FROM sessions WHERE user_id = ? AND id = ?', [userId, sessionId])).affectedRows > 0;
  }

  async addVersion(ownerId: string, name: string, input: NewVersion & { public: boolean }): Promise<DeployedVersion> {
    return this.transaction(async (conn) => {
      const now = Date.now();
      await this.exec(
        'INSERT IGNORE INTO functions (id, owner_id, name, public, active_version, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
        [newId('fn'), ownerId, name, input.public ? 1 : 0, now, now],
        conn,
      );
      const [fnRow] = await this.rows<FunctionRow>(
        `${selectFunction} WHERE f.owner_id = ? AND f.name = ? FOR UPDATE`,
        [ownerId, name],
        conn,
      );
      const [{ v }] = (await this.rows<{ v: number }>(
        'SELECT COALESCE(MAX(version), 0) + 1 AS v FROM versions WHERE function_id = ?',
        [fnRow!.id],
        conn,
      )) as [{ v: number }];
      const l = input.limits;
      await this.exec(
        `INSERT INTO versions (function_id, version, runtime, handler, code_digest, code_size, unpacked_size, env_json, memory_mb,
           timeout_ms, max_concurrency, min_warm, idle_ttl_ms, network, async_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          fnRow!.id,
          Number(v),
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
        ],
        conn,
      );
      const [versionRow] = await this.rows<VersionRow>(
        'SELECT * FROM versions WHERE function_id = ? AND version = ?',
        [fnRow!.id, Number(v)],
        conn,
      );
      return { fn: toFunction(fnRow!), version: toVersion(versionRow!) };
    });
  }

  async activateVersion(functionId: string, version: number, isPublic: boolean): Promise<FunctionRecord> {
    await this.exec('UPDATE functions SET active_version = ?, public = ?, updated_at = ? WHERE id = ? AND active_version < ?', [
      version,
      isPublic ? 1 : 0,
      Date.now(),
      functionId,
      version,
    ]);
    const [row] = await this.rows<FunctionRow>(`${selectFunction} WHERE f.id = ?`, [functionId]);
    if (!row) throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', 'The function was removed while it was being deployed.');
    return toFunction(row);
  }

  async discardVersion(functionId: string, version: number): Promise<void> {
    this.versions.forget(functionId, version);
    await this.transaction(async (conn) => {
      await this.exec('DELETE FROM versions WHERE function_id = ? AND version = ?', [functionId, version], conn);
      await this.exec(
        'DELETE FROM functions WHERE id = ? AND active_version = 0 AND NOT EXISTS (SELECT 1 FROM versions WHERE function_id = ?)',
        [functionId, functionId],
        conn,
      );
    });
  }

  async deleteVersion(functionId: string, version: number): Promise<FunctionVersion | null> {
    return this.transaction(async (conn) => {
      const [row] = await this.rows<VersionRow>(
        `SELECT v.* FROM versions v JOIN functions f ON f.id = v.function_id
           WHERE v.function_id = ? AND v.version = ? AND f.active_version <> v.version FOR UPDATE`,
        [functionId, version],
        conn,
      );
      if (!row) return null;
      this.versions.forget(functionId, version);
      await this.exec('DELETE FROM versions WHERE function_id = ? AND version = ?', [functionId, version], conn);
      return toVersion(row);
    });
  }

  async quotaOverrides(userId: string): Promise<Partial<Quotas>> {
    const [row] = await this.rows<{ quotas_json: string }>('SELECT quotas_json FROM user_quotas WHERE user_id = ?', [userId]);
    return row ? (JSON.parse(row.quotas_json) as Partial<Quotas>) : {};
  }

  async setQuotaOverrides(userId: string, overrides: Partial<Quotas>): Promise<void> {
    await this.exec(
      'INSERT INTO user_quotas (user_id, quotas_json) VALUES (?, ?) ON DUPLICATE KEY UPDATE quotas_json = VALUES(quotas_json)',
      [userId, JSON.stringify(overrides)],
    );
  }

  async usageOf(ownerId: string): Promise<CatalogUsage> {
    const [row] = await this.rows<{ functions: number; api_keys: number; code_bytes: number }>(selectUsage, [
      ownerId,
      ownerId,
      ownerId,
    ]);
    return { functions: Number(row!.functions), apiKeys: Number(row!.api_keys), codeBytes: Number(row!.code_bytes) };
  }

  async ownsCode(ownerId: string, digest: string): Promise<boolean> {
    return (await this.rows(selectOwnsCode, [ownerId, digest])).length > 0;
  }

  async getFunction(ownerId: string, name: string): Promise<FunctionRecord | null> {
    const [row] = await this.rows<FunctionRow>(`${selectFunction} WHERE f.owner_id = ? AND f.name = ? AND f.active_version > 0`, [
      ownerId,
      name,
    ]);
    return row ? toFunction(row) : null;
  }

  async getFunctionByOwnerName(ownerName: string, name: string): Promise<FunctionRecord | null> {
    const [row] = await this.rows<FunctionRow>(`${selectFunction} WHERE u.username = ? AND f.name = ? AND f.active_version > 0`, [
      ownerName,
      name,
    ]);
    return row ? toFunction(row) : null;
  }

  async listFunctions(ownerId: string): Promise<FunctionRecord[]> {
    return (
      await this.rows<FunctionRow>(`${selectFunction} WHERE f.owner_id = ? AND f.active_version > 0 ORDER BY f.name`, [ownerId])
    ).map(toFunction);
  }

  async listUsers(): Promise<User[]> {
    return (await this.rows<UserRow>('SELECT * FROM users ORDER BY created_at, username')).map(toUser);
  }

  async listAllFunctions(): Promise<FunctionRecord[]> {
    return (await this.rows<FunctionRow>(`${selectFunction} WHERE f.active_version > 0 ORDER BY f.owner_id, f.name`)).map(
      toFunction,
    );
  }

  async getVersion(functionId: string, version: number): Promise<FunctionVersion | null> {
    return this.versions.get(functionId, version, async () => {
      const [row] = await this.rows<VersionRow>('SELECT * FROM versions WHERE function_id = ? AND version = ?', [
        functionId,
        version,
      ]);
      return row ? toVersion(row) : null;
    });
  }

  async listWarmTargets(): Promise<DeployedVersion[]> {
    return (await this.rows<Record<string, unknown>>(selectWarmTargets)).map(toWarmTarget);
  }

  async listVersions(functionId: string): Promise<FunctionVersion[]> {
    return (await this.rows<VersionRow>('SELECT * FROM versions WHERE function_id = ? ORDER BY version', [functionId])).map(
      toVersion,
    );
  }

  async codeInUse(digest: string): Promise<boolean> {
    return (await this.rows('SELECT 1 FROM versions WHERE code_digest = ? LIMIT 1', [digest])).length > 0;
  }

  async deleteFunction(functionId: string): Promise<FunctionVersion[]> {
    return this.transaction(async (conn) => {
      const versions = (
        await this.rows<VersionRow>(
          'SELECT * FROM versions WHERE function_id = ? ORDER BY version FOR UPDATE',
          [functionId],
          conn,
        )
      ).map(toVersion);
      for (const v of versions) this.versions.forget(functionId, v.version);
      await this.exec('DELETE FROM functions WHERE id = ?', [functionId], conn);
      return versions;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
