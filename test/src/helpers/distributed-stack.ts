import { createServer } from 'node:net';
import { createPool } from 'mysql2/promise';
import { createLogger, loadServerConfig, type CodeStore } from '@nubo/core';
import { startGatewayNode, startManagerNode, type GatewayNode, type ManagerNode } from '@nubo/cli';
import { S3CodeStore } from '@nubo/stores';
import { s3Credentials, service, uniqueName } from './services.js';
import { tempDir } from './temp-dir.js';

export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A base port such that base + each offset is free and within 65535 (scripts/services/redis-set.sh
 * puts a set's replica at +1 and its sentinels at +20000..+20002).
 */
export async function freePortSet(host: string, offsets: number[]): Promise<number> {
  const highest = Math.max(...offsets);
  for (let tries = 0; tries < 200; tries++) {
    const base = 20_000 + Math.floor(Math.random() * (65_535 - highest - 20_000));
    const free = await Promise.all(offsets.map((offset) => isFree(host, base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free set of ports at offsets ${offsets.join(', ')} on ${host}`);
}

export interface DistributedStack {
  gateways: GatewayNode[];
  managers: ManagerNode[];
  codeStore: CodeStore;
  /** The environment every process of this stack runs with (for starting more of them). */
  env: Record<string, string>;
  startManager(ip: string): Promise<ManagerNode>;
  close(): Promise<void>;
}

/**
 * A whole distributed Nubo on this machine, in a namespace of its own: two gateways, two managers
 * (on 127.0.0.2 and 127.0.0.3), Redis, MariaDB, the MongoDB-compatible and the S3-compatible server.
 */
export async function startDistributedStack(
  overrides: Record<string, string> = {},
  /** In-process gateways; a test that starts its own gateway processes asks for none. */
  { gateways: gatewayCount = 2 } = {},
): Promise<DistributedStack> {
  const database = uniqueName('nubo_e2e_');
  const admin = createPool({ uri: service('MYSQL_URL'), connectionLimit: 1 });
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const bucket = uniqueName('nubo-e2e-');
  const env: Record<string, string> = {
    NUBO_LOG_LEVEL: 'warn',
    NUBO_DATA_DIR: await tempDir('nubo-dist-'),
    NUBO_REDIS_URL: service('REDIS_URL'),
    NUBO_REDIS_PREFIX: `${uniqueName('e2e:')}:`,
    NUBO_MYSQL_URL: `${service('MYSQL_URL')}/${database}`,
    NUBO_MONGO_URL: service('MONGO_URL'),
    NUBO_MONGO_DB: database,
    NUBO_S3_ENDPOINT: service('S3_ENDPOINT'),
    NUBO_S3_BUCKET: bucket,
    NUBO_S3_ACCESS_KEY_ID: s3Credentials.accessKeyId,
    NUBO_S3_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey,
    NUBO_CLUSTER_TOKEN: 'test-cluster-token-0123456789',
    NUBO_KEY_SEALING_SECRET: 'test-key-sealing-secret-0123456789abcdef',
    NUBO_HEARTBEAT_MS: '200',
    NUBO_MANAGER_TTL_MS: '1500',
    NUBO_REAP_INTERVAL_MS: '500',
    // A stopping manager waits this long for busy workers (enough for every test's calls).
    NUBO_DRAIN_TIMEOUT_MS: '5000',
    ...overrides,
  };
  const logger = createLogger({ level: env.NUBO_LOG_LEVEL! });
  const managers: ManagerNode[] = [];
  const gateways: GatewayNode[] = [];
  const startManager = async (ip: string) => {
    const port = await freePort(ip);
    const node = await startManagerNode(loadServerConfig({ ...env, NUBO_MANAGER_URL: `http://${ip}:${port}` }), logger);
    managers.push(node);
    return node;
  };
  await startManager('127.0.0.2');
  await startManager('127.0.0.3');
  for (let i = 0; i < gatewayCount; i++)
    gateways.push(await startGatewayNode(loadServerConfig({ ...env, NUBO_PORT: '0', NUBO_TRIGGER_PORT: '0' }), logger));
  const codeStore = await S3CodeStore.connect({
    endpoint: env.NUBO_S3_ENDPOINT!,
    bucket,
    region: 'us-east-1',
    forcePathStyle: true,
    ...s3Credentials,
  });
  return {
    gateways,
    managers,
    codeStore,
    env,
    startManager,
    async close() {
      for (const gateway of gateways) await gateway.close();
      for (const manager of managers) await manager.close().catch(() => undefined);
      codeStore.close();
      const dropper = createPool({ uri: service('MYSQL_URL'), connectionLimit: 1 });
      await dropper.query(`DROP DATABASE IF EXISTS ${database}`);
      await dropper.end();
    },
  };
}

/** Functions' worker processes running on the stack's nodes: a manager's stem cells run no function and are not counted. */
export function runningWorkers(stack: Pick<DistributedStack, 'managers'>): number {
  return stack.managers.reduce((sum, node) => sum + node.manager.runningWorkerIds().length, 0);
}
