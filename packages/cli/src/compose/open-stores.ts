import { join, resolve } from 'node:path';
import type { Catalog, CodeStore, InvocationLog, Logger, ServerConfig } from '@nubo/core';
import { FsCodeStore, MongoInvocationLog, MysqlCatalog, S3CodeStore, SqliteCatalog, SqliteInvocationLog } from '@nubo/stores';

export interface Stores {
  catalog: Catalog;
  invocationLog: InvocationLog;
  codeStore: CodeStore;
  /** Which adapter serves each port, for the start-up log line. */
  kinds: { catalog: string; invocationLog: string; codeStore: string };
  close(): Promise<void>;
}

/** Each store uses its production adapter when its URL is configured, else its embedded one. */
export async function openStores(
  config: ServerConfig,
  logger: Logger,
  parts: { catalog: boolean; invocationLog: boolean } = { catalog: true, invocationLog: true },
): Promise<Stores> {
  const dataDir = resolve(config.NUBO_DATA_DIR);
  const codeStore = await openCodeStore(config);
  const catalog = parts.catalog
    ? config.NUBO_MYSQL_URL
      ? await MysqlCatalog.connect(config.NUBO_MYSQL_URL, logger)
      : new SqliteCatalog(join(dataDir, 'catalog.db'))
    : undefined;
  const logOptions = {
    logger,
    bufferMax: config.NUBO_LOG_BUFFER_MAX,
    ...(config.NUBO_LOG_RETENTION_DAYS ? { retentionDays: config.NUBO_LOG_RETENTION_DAYS } : {}),
  };
  const invocationLog = parts.invocationLog
    ? config.NUBO_MONGO_URL
      ? await MongoInvocationLog.connect({
          url: config.NUBO_MONGO_URL,
          database: config.NUBO_MONGO_DB,
          batchDelayMs: config.NUBO_LOG_BATCH_MS,
          ...logOptions,
        })
      : new SqliteInvocationLog(join(dataDir, 'invocations.db'), logOptions)
    : undefined;
  return {
    catalog: catalog as Catalog,
    invocationLog: invocationLog as InvocationLog,
    codeStore,
    kinds: {
      catalog: config.NUBO_MYSQL_URL ? 'mysql' : 'sqlite',
      invocationLog: config.NUBO_MONGO_URL ? 'mongodb' : 'sqlite',
      codeStore: config.NUBO_S3_ENDPOINT ? 's3' : 'filesystem',
    },
    async close() {
      await invocationLog?.close();
      await catalog?.close();
      if (codeStore instanceof S3CodeStore) codeStore.close();
    },
  };
}

export async function openCodeStore(config: ServerConfig): Promise<CodeStore> {
  if (!config.NUBO_S3_ENDPOINT) return new FsCodeStore(join(resolve(config.NUBO_DATA_DIR), 'code'));
  return S3CodeStore.connect({
    endpoint: config.NUBO_S3_ENDPOINT,
    bucket: config.NUBO_S3_BUCKET,
    region: config.NUBO_S3_REGION,
    forcePathStyle: config.NUBO_S3_FORCE_PATH_STYLE,
    ...(config.NUBO_S3_ACCESS_KEY_ID ? { accessKeyId: config.NUBO_S3_ACCESS_KEY_ID } : {}),
    ...(config.NUBO_S3_SECRET_ACCESS_KEY ? { secretAccessKey: config.NUBO_S3_SECRET_ACCESS_KEY } : {}),
  });
}
