-- The limits the admin set for a user (JSON of quota name → number); others get the defaults.
CREATE TABLE user_quotas (
  user_id VARCHAR(32) PRIMARY KEY,
  quotas_json TEXT NOT NULL,
  CONSTRAINT user_quotas_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- A version's code as unpacked (what its quota counts); versions made before: their zip's size.
ALTER TABLE versions ADD COLUMN unpacked_size BIGINT NULL;
