-- A version's network access: egress (the default, as before) or none.
ALTER TABLE versions ADD COLUMN network VARCHAR(16) NOT NULL DEFAULT 'egress';
