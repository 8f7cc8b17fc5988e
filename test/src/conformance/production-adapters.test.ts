import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPool } from 'mysql2/promise';
import { createLogger } from '@nubo/core';
import {
  connectRedis,
  expandIncludes,
  luaScripts,
  RedisGatewayRegistry,
  RedisInvocationQueue,
  RedisKeys,
  RedisWorkerPool,
} from '@nubo/pool';
import { MongoInvocationLog, MysqlCatalog, S3CodeStore } from '@nubo/stores';
import { s3Credentials, service, uniqueName } from '../helpers/services.js';
import { catalogConformance } from './catalog-suite.js';
import { codeStoreConformance } from './code-store-suite.js';
import { invocationLogConformance } from './invocation-log-suite.js';
import { invocationQueueConformance, testQueueSettings } from './invocation-queue-suite.js';
import { workerPoolConformance } from './worker-pool-suite.js';
import { gatewayRegistryConformance } from './gateway-registry-suite.js';

const logger = createLogger({ level: 'silent' });

const redis = await connectRedis({ url: service('REDIS_URL') }, logger);
after(() => redis.quit());
workerPoolConformance('RedisWorkerPool', async () => {
  const pool = new RedisWorkerPool(redis, `${uniqueName('test:pool:')}:`);
  // Also when a test fails before its own close: a waiting taker's subscriber would keep the file running.
  after(() => pool.close());
  return pool;
});

gatewayRegistryConformance(
  'RedisGatewayRegistry',
  async (ttlMs) => new RedisGatewayRegistry(redis, `${uniqueName('test:gateways:')}:`, ttlMs),
);

const queueConnection = await connectRedis({ url: service('REDIS_URL') }, logger, { blocking: true });
after(() => queueConnection.quit());
invocationQueueConformance('RedisInvocationQueue', async () => {
  const queue = new RedisInvocationQueue({
    redis,
    workerConnection: queueConnection,
    prefix: `${uniqueName('test:queue:')}:`,
    settings: testQueueSettings,
    lockMs: 5000,
    logger,
    discoverEveryMs: 100,
  });
  after(() => queue.close());
  return queue;
});

describe('the pool Lua scripts on real Redis', () => {
  it('compile, includes and all', async () => {
    for (const [name, lua] of Object.entries(luaScripts)) {
      await assert.doesNotReject(redis.script('LOAD', lua) as Promise<unknown>, `${name}.lua does not compile`);
    }
  });

  it('derive every key exactly as RedisKeys spells it', async () => {
    const keys = new RedisKeys(`${uniqueName('test:keys:')}:`);
    const [key, address, manager] = ['fn_a:3', '10.0.1.7:30001', 'node-1'];
    const derived = await redis.eval(
      expandIncludes(
        '--- @include "keys"\nreturn {names.pool(ARGV[2]), names.live(ARGV[2]), names.starting(ARGV[2]), names.freed(ARGV[2]), names.worker(ARGV[3]), names.idle(ARGV[4]), names.managerWorkers(ARGV[4])}',
      ),
      0,
      keys.prefix,
      key,
      address,
      manager,
    );
    assert.deepEqual(derived, [
      keys.pool(key),
      keys.live(key),
      keys.starting(key),
      keys.freed(key),
      keys.worker(address),
      keys.idle(manager),
      keys.managerWorkers(manager),
    ]);
  });
});

const mysqlAdmin = createPool({ uri: service('MYSQL_URL'), connectionLimit: 2 });
after(() => mysqlAdmin.end());
catalogConformance('MysqlCatalog', async () => {
  const database = uniqueName('nubo_t_');
  await mysqlAdmin.query(`CREATE DATABASE ${database}`);
  const catalog = await MysqlCatalog.connect(`${service('MYSQL_URL')}/${database}`, logger);
  after(() => mysqlAdmin.query(`DROP DATABASE ${database}`));
  return catalog;
});

invocationLogConformance('MongoInvocationLog', async () => {
  const log = await MongoInvocationLog.connect({
    url: service('MONGO_URL'),
    database: uniqueName('nubo_t_'),
    logger,
    bufferMax: 10_000,
    batchDelayMs: 50,
  });
  after(() => log.close());
  return log;
});

codeStoreConformance('S3CodeStore', async () => {
  const store = await S3CodeStore.connect({
    endpoint: service('S3_ENDPOINT'),
    bucket: uniqueName('nubo-t-'),
    region: 'us-east-1',
    forcePathStyle: true,
    ...s3Credentials,
  });
  after(() => store.close());
  return store;
});
