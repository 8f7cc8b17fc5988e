-- The first schema. IF NOT EXISTS adopts databases made before migrations were versioned.
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  is_admin INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE TABLE IF NOT EXISTS functions (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  public INTEGER NOT NULL,
  active_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (owner_id, name)
);
CREATE TABLE IF NOT EXISTS versions (
  function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  runtime TEXT NOT NULL,
  handler TEXT NOT NULL,
  code_digest TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  env_json TEXT NOT NULL,
  memory_mb INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  max_concurrency INTEGER NOT NULL,
  min_warm INTEGER NOT NULL,
  idle_ttl_ms INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (function_id, version)
);
