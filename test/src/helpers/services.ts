import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Addresses of the real services the distributed tests use, from the environment or from
 * .services/env, which scripts/services/start.sh writes. A missing service is a failure, never a skip.
 */
const envFile = fileURLToPath(new URL('../../../.services/env', import.meta.url));

function fromFile(): Record<string, string> {
  try {
    return Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  } catch {
    return {};
  }
}

const file = fromFile();

export function service(
  name: 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_MASTER' | 'MYSQL_URL' | 'MONGO_URL' | 'S3_ENDPOINT',
): string {
  const variable = `NUBO_TEST_${name}`;
  const value = process.env[variable] ?? file[variable];
  if (!value)
    throw new Error(
      `${variable} is not set and ${envFile} does not name it: start the services with scripts/services/start.sh (npm test does this).`,
    );
  return value;
}

/** A unique name for one test's namespace (Redis prefix, database, bucket). */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export const s3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
