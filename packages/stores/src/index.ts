export { SqliteCatalog } from './sqlite-catalog.js';
export { SqliteInvocationLog } from './sqlite-invocation-log.js';
export { FsCodeStore } from './fs-code-store.js';
