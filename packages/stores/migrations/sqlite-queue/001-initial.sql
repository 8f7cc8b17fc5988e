-- Asynchronous invocations and schedules of embedded mode.
CREATE TABLE events (
  request_id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  function_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  event_json TEXT NOT NULL,
  trigger TEXT NOT NULL,
  schedule_name TEXT,
  accepted_at INTEGER NOT NULL,
  attempts_json TEXT NOT NULL DEFAULT '[]',
  -- queued | running | ok | failed | expired
  status TEXT NOT NULL,
  run_at INTEGER,
  finished_at INTEGER,
  result_json TEXT,
  result_dropped INTEGER NOT NULL DEFAULT 0,
  error_json TEXT,
  dead_letter INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  -- when a finished event (and its idempotency key) is forgotten
  expires_at INTEGER
);
CREATE INDEX events_due ON events (status, run_at);
CREATE INDEX events_by_function ON events (function_id, status);
CREATE INDEX events_expiry ON events (expires_at) WHERE expires_at IS NOT NULL;
CREATE UNIQUE INDEX events_idempotency ON events (function_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The asyncConcurrency each function's events are taken under.
CREATE TABLE async_functions (
  function_id TEXT PRIMARY KEY,
  concurrency INTEGER NOT NULL,
  max_queued INTEGER NOT NULL
);

CREATE TABLE schedules (
  function_id TEXT NOT NULL,
  name TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  event_json TEXT NOT NULL,
  next_tick INTEGER NOT NULL,
  PRIMARY KEY (function_id, name)
);
