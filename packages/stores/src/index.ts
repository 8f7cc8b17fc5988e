export { SqliteCatalog } from './sqlite-catalog.js';
export { SqliteInvocationLog } from './sqlite-invocation-log.js';
export { FsCodeStore } from './fs-code-store.js';
export { MysqlCatalog } from './mysql-catalog.js';
export { MongoInvocationLog, type MongoLogOptions } from './mongo-invocation-log.js';
export { S3CodeStore, type S3Settings } from './s3-code-store.js';
export { migrateSqlite, openSqlite, type SqliteSchema } from './sqlite-open.js';
export { SqliteInvocationQueue } from './sqlite-invocation-queue.js';
