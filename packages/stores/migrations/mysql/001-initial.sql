-- Nubo catalog, version 1: users, API keys (hashes only), functions and their immutable versions.
CREATE TABLE users (
  id VARCHAR(32) PRIMARY KEY,
  username VARCHAR(64) NOT NULL UNIQUE,
  password_hash VARCHAR(255) NOT NULL,
  is_admin TINYINT(1) NOT NULL,
  created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_keys (
  id VARCHAR(32) PRIMARY KEY,
  user_id VARCHAR(32) NOT NULL,
  name VARCHAR(64) NOT NULL,
  key_hash CHAR(64) NOT NULL UNIQUE,
  prefix VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NULL,
  CONSTRAINT api_keys_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE functions (
  id VARCHAR(32) PRIMARY KEY,
  owner_id VARCHAR(32) NOT NULL,
  name VARCHAR(64) NOT NULL,
  public TINYINT(1) NOT NULL,
  active_version INT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE KEY functions_owner_name (owner_id, name),
  CONSTRAINT functions_owner FOREIGN KEY (owner_id) REFERENCES users(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE versions (
  function_id VARCHAR(32) NOT NULL,
  version INT NOT NULL,
  runtime VARCHAR(32) NOT NULL,
  handler VARCHAR(255) NOT NULL,
  code_digest CHAR(64) NOT NULL,
  code_size BIGINT NOT NULL,
  env_json MEDIUMTEXT NOT NULL,
  memory_mb INT NOT NULL,
  timeout_ms INT NOT NULL,
  max_concurrency INT NOT NULL,
  min_warm INT NOT NULL,
  idle_ttl_ms INT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (function_id, version),
  KEY versions_code (code_digest),
  CONSTRAINT versions_function FOREIGN KEY (function_id) REFERENCES functions(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
