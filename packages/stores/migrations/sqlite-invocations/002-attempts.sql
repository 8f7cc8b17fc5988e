-- An asynchronous event's retries are records of their own under the same request id:
-- the key becomes (request_id, attempt); earlier records are attempt 1.
CREATE TABLE invocations_v2 (
  request_id TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
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
  worker_id TEXT,
  PRIMARY KEY (request_id, attempt)
);
INSERT INTO invocations_v2 (request_id, owner_id, function_id, function_name, version, trigger, started_at, duration_ms,
  init_ms, cold, queue_ms, memory_used_mb, memory_limit_mb, status, error_type, error_message, logs, logs_truncated, worker_id)
  SELECT request_id, owner_id, function_id, function_name, version, trigger, started_at, duration_ms, init_ms, cold, queue_ms,
    memory_used_mb, memory_limit_mb, status, error_type, error_message, logs, logs_truncated, worker_id FROM invocations ORDER BY rowid;
DROP TABLE invocations;
ALTER TABLE invocations_v2 RENAME TO invocations;
CREATE INDEX invocations_by_function ON invocations (owner_id, function_name, started_at DESC);
