-- The limits the admin set for a user (JSON of quota name → number); others get the defaults.
CREATE TABLE user_quotas (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  quotas_json TEXT NOT NULL
);
-- A version's code as unpacked (what its quota counts); versions made before: their zip's size.
ALTER TABLE versions ADD COLUMN unpacked_size INTEGER;
