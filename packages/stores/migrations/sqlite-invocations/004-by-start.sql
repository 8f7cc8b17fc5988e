-- NUBO_LOG_RETENTION_DAYS deletes the embedded log's old records by their start time.
CREATE INDEX invocations_by_start ON invocations (started_at);
