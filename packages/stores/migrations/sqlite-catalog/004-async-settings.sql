-- A version's asynchronous invocation settings as JSON; null = the defaults.
ALTER TABLE versions ADD COLUMN async_json TEXT;
