-- Whether a cold start was served by a stem cell; records made before: no.
ALTER TABLE invocations ADD COLUMN stem_cell INTEGER NOT NULL DEFAULT 0;
