import {
  defaultAsyncSettings,
  type ApiKey,
  type AsyncSettings,
  type FunctionRecord,
  type FunctionVersion,
  type NetworkAccess,
  type RuntimeId,
  type Session,
  type SigningKey,
  type User,
} from '@nubo/core';

/** Row shapes and mappers shared by the SQL catalogs (SQLite and MySQL use the same columns). */

export const selectFunction = `SELECT f.*, u.username AS owner_name FROM functions f JOIN users u ON u.id = f.owner_id`;
/** Active versions with warm workers to keep: a function row's columns, then its version's (prefixed v_). */
export const selectWarmTargets = `SELECT f.*, u.username AS owner_name, v.function_id AS v_function_id, v.version AS v_version, v.runtime AS v_runtime,
  v.handler AS v_handler, v.code_digest AS v_code_digest, v.code_size AS v_code_size, v.unpacked_size AS v_unpacked_size,
  v.env_json AS v_env_json, v.memory_mb AS v_memory_mb,
  v.timeout_ms AS v_timeout_ms, v.max_concurrency AS v_max_concurrency, v.min_warm AS v_min_warm, v.idle_ttl_ms AS v_idle_ttl_ms,
  v.network AS v_network, v.async_json AS v_async_json, v.created_at AS v_created_at
  FROM functions f JOIN users u ON u.id = f.owner_id JOIN versions v ON v.function_id = f.id AND v.version = f.active_version
  WHERE v.min_warm > 0 ORDER BY f.id`;

/** A user's functions, keys and code (each bundle once), as the quotas count them. */
export const selectUsage = `SELECT
  (SELECT COUNT(*) FROM functions WHERE owner_id = ? AND active_version > 0) AS functions,
  (SELECT COUNT(*) FROM api_keys WHERE user_id = ?) AS api_keys,
  (SELECT COALESCE(SUM(size), 0) FROM (SELECT v.code_digest, MAX(COALESCE(v.unpacked_size, v.code_size)) AS size
     FROM versions v JOIN functions f ON f.id = v.function_id WHERE f.owner_id = ? GROUP BY v.code_digest) AS code) AS code_bytes`;

export const selectOwnsCode =
  'SELECT 1 AS found FROM versions v JOIN functions f ON f.id = v.function_id WHERE f.owner_id = ? AND v.code_digest = ? LIMIT 1';

/** A key's last use is written at most this often, to keep writes off the hot path. */
export const keyUseResolutionMs = 60_000;

export interface FunctionRow {
  id: string;
  owner_id: string;
  owner_name: string;
  name: string;
  public: number;
  active_version: number;
  created_at: number;
  updated_at: number;
}

export interface VersionRow {
  function_id: string;
  version: number;
  runtime: string;
  handler: string;
  code_digest: string;
  code_size: number;
  /** Null for versions made before it was kept: their zip's size stands in. */
  unpacked_size: number | null;
  env_json: string;
  memory_mb: number;
  timeout_ms: number;
  max_concurrency: number;
  min_warm: number;
  idle_ttl_ms: number;
  network: string;
  /** Null for versions deployed before async settings existed: they get the defaults. */
  async_json: string | null;
  created_at: number;
}

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  is_admin: number;
  created_at: number;
}

export interface KeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
}

export interface SessionRow {
  id: string;
  user_id: string;
  user_agent: string | null;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
}

export const toSession = (row: SessionRow): Session => ({
  id: row.id,
  userId: row.user_id,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  userAgent: row.user_agent,
});

/** A session's columns joined to its user's row (prefixed s_). */
export const selectSessionUser = `SELECT u.*, s.id AS s_id, s.user_id AS s_user_id, s.user_agent AS s_user_agent,
  s.created_at AS s_created_at, s.expires_at AS s_expires_at, s.last_used_at AS s_last_used_at
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`;

/** Splits a row of `selectSessionUser` into the user and the session. */
export function toSessionUser(row: Record<string, unknown>): { user: User; session: Session } {
  const sessionRow = Object.fromEntries(
    Object.entries(row)
      .filter(([k]) => k.startsWith('s_'))
      .map(([k, v]) => [k.slice(2), v]),
  ) as unknown as SessionRow;
  return { user: toUser(row as unknown as UserRow), session: toSession(sessionRow) };
}

export const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  isAdmin: row.is_admin === 1,
  createdAt: row.created_at,
});
export const toKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});
/** A key's columns joined to its user's row, for signature checks. */
export interface SigningKeyColumns {
  key_id: string;
  key_hash: string;
  sealed_key: string | null;
  last_used_at: number | null;
}
export const toSigningKey = (row: UserRow & SigningKeyColumns): SigningKey => ({
  user: toUser(row),
  keyHash: row.key_hash,
  sealedKey: row.sealed_key,
});
export const toFunction = (row: FunctionRow): FunctionRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  ownerName: row.owner_name,
  name: row.name,
  public: row.public === 1,
  activeVersion: row.active_version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
export const toVersion = (row: VersionRow): FunctionVersion => ({
  functionId: row.function_id,
  version: row.version,
  runtime: row.runtime as RuntimeId,
  handler: row.handler,
  codeDigest: row.code_digest,
  codeSize: Number(row.code_size),
  unpackedSize: Number(row.unpacked_size ?? row.code_size),
  env: JSON.parse(row.env_json) as Record<string, string>,
  limits: {
    memoryMb: row.memory_mb,
    timeoutMs: row.timeout_ms,
    maxConcurrency: row.max_concurrency,
    minWarm: row.min_warm,
    idleTtlMs: row.idle_ttl_ms,
  },
  network: row.network as NetworkAccess,
  async: {
    ...defaultAsyncSettings(row.max_concurrency),
    ...(row.async_json ? (JSON.parse(row.async_json) as Partial<AsyncSettings>) : {}),
  },
  createdAt: row.created_at,
});

/** Splits a row of `selectWarmTargets` into the function and its active version. */
export function toWarmTarget(row: Record<string, unknown>): { fn: FunctionRecord; version: FunctionVersion } {
  const versionRow = Object.fromEntries(
    Object.entries(row)
      .filter(([k]) => k.startsWith('v_'))
      .map(([k, v]) => [k.slice(2), v]),
  ) as unknown as VersionRow;
  return { fn: toFunction(row as unknown as FunctionRow), version: toVersion(versionRow) };
}
