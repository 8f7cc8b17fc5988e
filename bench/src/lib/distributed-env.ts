import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createPool } from 'mysql2/promise';

/** The addresses scripts/services/start.sh wrote. */
export async function servicesEnv(): Promise<Record<string, string>> {
  const text = await readFile(new URL('../../../.services/env', import.meta.url), 'utf8').catch(() => {
    throw new Error('No .services/env: start the services with scripts/services/start.sh first.');
  });
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * The environment of a distributed Nubo on the project's services (scripts/services/start.sh), in a
 * namespace of its own (Redis prefix, database, bucket); `drop` removes its database afterwards.
 */
export async function distributedBenchEnv(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const services = await servicesEnv();
  const name = `nubo_bench_${randomBytes(4).toString('hex')}`;
  const admin = createPool({ uri: services.NUBO_TEST_MYSQL_URL!, connectionLimit: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  return {
    env: {
      NUBO_REDIS_URL: services.NUBO_TEST_REDIS_URL!,
      NUBO_REDIS_PREFIX: `${name}:`,
      NUBO_MYSQL_URL: `${services.NUBO_TEST_MYSQL_URL}/${name}`,
      NUBO_MONGO_URL: services.NUBO_TEST_MONGO_URL!,
      NUBO_MONGO_DB: name,
      NUBO_S3_ENDPOINT: services.NUBO_TEST_S3_ENDPOINT!,
      NUBO_S3_BUCKET: name.replace(/_/g, '-'),
      NUBO_S3_ACCESS_KEY_ID: 'S3RVER',
      NUBO_S3_SECRET_ACCESS_KEY: 'S3RVER',
      NUBO_CLUSTER_TOKEN: randomBytes(16).toString('hex'),
      NODE_NO_WARNINGS: '1',
    },
    async drop() {
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    },
  };
}
