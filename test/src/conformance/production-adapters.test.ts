import { after } from 'node:test';
import { createPool } from 'mysql2/promise';
import { createLogger } from '@nubo/core';
import { connectRedis, RedisWorkerPool } from '@nubo/pool';
import { MongoInvocationLog, MysqlCatalog, S3CodeStore } from '@nubo/stores';
import { s3Credentials, service, uniqueName } from '../helpers/services.js';
import { catalogConformance } from './catalog-suite.js';
import { codeStoreConformance } from './code-store-suite.js';
import { invocationLogConformance } from './invocation-log-suite.js';
import { workerPoolConformance } from './worker-pool-suite.js';

const logger = createLogger({ level: 'silent' });

const redis = await connectRedis({ url: service('REDIS_URL') }, logger);
after(() => redis.quit());
workerPoolConformance('RedisWorkerPool', async () => {
  const pool = new RedisWorkerPool(redis, `${uniqueName('test:pool:')}:`);
  // Also when a test fails before its own close: a waiting taker's subscriber would keep the file running.
  after(() => pool.close());
  return pool;
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
