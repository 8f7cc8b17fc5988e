import { join } from 'node:path';
import { createLogger } from '@nubo/core';
import {
  CodeCache,
  EgressPolicy,
  InProcessManagerClient,
  Manager,
  ProcessSandbox,
  decideIsolation,
  sandboxDirs,
} from '@nubo/manager';
import { MemoryGatewayRegistry, MemoryWorkerPool } from '@nubo/pool';
import { FsCodeStore, SqliteCatalog, SqliteInvocationLog, SqliteInvocationQueue } from '@nubo/stores';
import { after } from 'node:test';
import { tempDir } from '../helpers/temp-dir.js';
import { catalogConformance } from './catalog-suite.js';
import { codeStoreConformance } from './code-store-suite.js';
import { invocationLogConformance } from './invocation-log-suite.js';
import { invocationQueueConformance, testQueueSettings } from './invocation-queue-suite.js';
import { managerClientConformance } from './manager-client-suite.js';
import { sandboxConformance } from './sandbox-suite.js';
import { workerPoolConformance } from './worker-pool-suite.js';
import { gatewayRegistryConformance } from './gateway-registry-suite.js';

const logger = createLogger({ level: 'silent' });
// Made before any suite is registered: a suite that finishes while this is still awaited would end
// the file's root test, whose after hook would remove the directories under the isolation probe.
const dirs = await sandboxDirs(await tempDir(), 'conformance', true);
const { isolation } = await decideIsolation(
  { mode: 'required', managerId: 'conformance', dirs, egress: new EgressPolicy() },
  logger,
);
after(() => dirs.remove());

workerPoolConformance('MemoryWorkerPool', async () => new MemoryWorkerPool());
gatewayRegistryConformance('MemoryGatewayRegistry', async (ttlMs) => new MemoryGatewayRegistry(ttlMs));
catalogConformance('SqliteCatalog', async () => new SqliteCatalog(join(await tempDir(), 'catalog.db')));
invocationLogConformance(
  'SqliteInvocationLog',
  async () =>
    new SqliteInvocationLog(join(await tempDir(), 'invocations.db'), {
      logger: createLogger({ level: 'silent' }),
      bufferMax: 10_000,
    }),
);
invocationQueueConformance(
  'SqliteInvocationQueue',
  async () => new SqliteInvocationQueue(join(await tempDir(), 'async.db'), testQueueSettings, logger),
);
codeStoreConformance('FsCodeStore', async () => new FsCodeStore(await tempDir()));
sandboxConformance('ProcessSandbox (isolated)', async () => {
  const sandbox = new ProcessSandbox({ workDir: await tempDir(), logger, isolation });
  after(() => sandbox.destroyAll());
  return sandbox;
});
sandboxConformance('ProcessSandbox (plain)', async () => {
  const sandbox = new ProcessSandbox({ workDir: await tempDir(), logger, isolation: null });
  after(() => sandbox.destroyAll());
  return sandbox;
});
managerClientConformance('InProcessManagerClient', async () => {
  const dir = await tempDir();
  const codeStore = new FsCodeStore(join(dir, 'code'));
  const sandbox = new ProcessSandbox({ workDir: join(dir, 'workers'), logger, isolation });
  const manager = new Manager({
    id: 'test-manager',
    sandbox,
    codeCache: new CodeCache({ dir: join(dir, 'cache'), store: codeStore, limits: { maxBytes: 1e7, maxUnzippedBytes: 1e8 } }),
    pool: new MemoryWorkerPool(),
    logger,
    reapIntervalMs: 60_000,
    capacity: { workers: 100, memoryMb: 100_000 },
    maxConcurrentStarts: 8,
  });
  after(() => manager.stop());
  return { client: new InProcessManagerClient(manager), codeStore };
});
