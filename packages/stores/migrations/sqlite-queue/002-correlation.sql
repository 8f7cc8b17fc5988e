-- A caller's own id for an asynchronous call (x-nubo-correlation-id), which each attempt's record carries.
ALTER TABLE events ADD COLUMN correlation_id TEXT;
