import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger, ServerConfig } from '@nubo/core';
import { buildGateway, type Gateway } from '@nubo/gateway';
import { CodeCache, InProcessManagerClient, Manager, ProcessSandbox } from '@nubo/manager';
import { MemoryWorkerPool } from '@nubo/pool';
import { FsCodeStore, SqliteCatalog, SqliteInvocationLog } from '@nubo/stores';

export interface EmbeddedNubo {
  url: string;
  dataDir: string;
  gateway: Gateway;
  manager: Manager;
  sandbox: ProcessSandbox;
  /** Stops accepting requests, lets in-flight ones finish, stops every worker, closes the stores. */
  close(): Promise<void>;
}

/** Embedded mode: gateway and manager in one process, with no external service. */
export async function startEmbedded(config: ServerConfig, logger: Logger): Promise<EmbeddedNubo> {
  const dataDir = resolve(config.NUBO_DATA_DIR);
  const limits = { maxBytes: config.NUBO_MAX_CODE_BYTES, maxUnzippedBytes: config.NUBO_MAX_CODE_UNZIPPED_BYTES };
  const workDir = join(dataDir, 'workers');
  // Scratch directories of workers from an earlier run that did not stop cleanly.
  await rm(workDir, { recursive: true, force: true });

  const catalog = new SqliteCatalog(join(dataDir, 'catalog.db'));
  const invocationLog = new SqliteInvocationLog(join(dataDir, 'invocations.db'));
  const codeStore = new FsCodeStore(join(dataDir, 'code'));
  const pool = new MemoryWorkerPool();
  const sandbox = new ProcessSandbox({ workDir, logger });
  const codeCache = new CodeCache({ dir: join(dataDir, 'code-cache'), store: codeStore, limits });
  const manager = new Manager({ id: 'local', sandbox, codeCache, pool, logger, reapIntervalMs: config.NUBO_REAP_INTERVAL_MS });
  manager.start();

  const gateway = await buildGateway({
    config,
    logger,
    catalog,
    invocationLog,
    codeStore,
    pool,
    managers: new InProcessManagerClient(manager),
    runtimes: ['node20'],
    liveWorkers: () => sandbox.running().length,
  });
  const listening = await gateway.app.listen({ port: config.NUBO_PORT, host: config.NUBO_HOST });
  const url = listening.replace('[::1]', 'localhost');
  logger.info({ url, dataDir, sandbox: sandbox.kind }, `Nubo (embedded) listening on ${url}, data in ${dataDir}`);

  return {
    url,
    dataDir,
    gateway,
    manager,
    sandbox,
    async close() {
      await gateway.close();
      await manager.stop();
      await pool.close();
      await invocationLog.close();
      await catalog.close();
    },
  };
}
