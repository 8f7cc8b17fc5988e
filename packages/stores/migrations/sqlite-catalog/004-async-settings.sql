-- A version's asynchronous invocation settings (issue 11) as JSON; null = the defaults.
ALTER TABLE versions ADD COLUMN async_json TEXT;
