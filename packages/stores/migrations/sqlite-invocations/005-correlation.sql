-- A caller's own id for a call (x-nubo-correlation-id); Nubo makes every request id itself.
ALTER TABLE invocations ADD COLUMN correlation_id TEXT;
CREATE INDEX invocations_by_correlation ON invocations (owner_id, correlation_id) WHERE correlation_id IS NOT NULL;
