import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, ServerConfig } from '@nubo/core';

/**
 * The secret API keys are sealed with, so AWS SigV4 signatures can be checked: NUBO_KEY_SEALING_SECRET;
 * else, where the catalog is this node's own SQLite file, one made once in the data directory (0600).
 * Gateways sharing a MySQL catalog must share the secret: without it they take Bearer keys only.
 */
export async function keySealingSecret(config: ServerConfig, dataDir: string, logger: Logger): Promise<string | null> {
  if (config.NUBO_KEY_SEALING_SECRET) return config.NUBO_KEY_SEALING_SECRET;
  if (config.NUBO_MYSQL_URL) {
    logger.warn(
      'AWS SigV4 signatures (the Lambda Invoke API) are off: set NUBO_KEY_SEALING_SECRET (at least 32 characters, the same on every gateway) to take them; Bearer keys work either way.',
    );
    return null;
  }
  const file = join(dataDir, 'key-sealing.secret');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing) return existing.trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return (await readFile(file, 'utf8')).trim();
}
