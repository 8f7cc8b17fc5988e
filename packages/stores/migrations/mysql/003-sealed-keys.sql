-- An API key sealed (AES-256-GCM) with the gateways' sealing secret, so AWS SigV4 signatures made
-- with it can be checked. Keys made before, or without a secret, have none.
ALTER TABLE api_keys ADD COLUMN sealed_key VARCHAR(255) NULL;
