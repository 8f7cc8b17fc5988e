-- The first schema. IF NOT EXISTS adopts databases made before migrations were versioned.
CREATE TABLE IF NOT EXISTS invocations (
  request_id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  function_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  init_ms REAL,
  cold INTEGER NOT NULL,
  queue_ms REAL NOT NULL,
  memory_used_mb REAL,
  memory_limit_mb INTEGER NOT NULL,
  status TEXT NOT NULL,
  error_type TEXT,
  error_message TEXT,
  logs TEXT NOT NULL,
  logs_truncated INTEGER NOT NULL,
  worker_id TEXT
);
CREATE INDEX IF NOT EXISTS invocations_by_function ON invocations (owner_id, function_name, started_at DESC);
