import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Logger, ServerConfig } from '@nubo/core';
import { buildGateway, type Gateway } from '@nubo/gateway';
import type { Sandbox } from '@nubo/core';
import { CodeCache, InProcessManagerClient, Manager } from '@nubo/manager';
import { openSandbox, workerDirs } from './compose/open-sandbox.js';
import { openQueue } from './compose/open-queue.js';
import { openPool } from './compose/open-pool.js';
import { managerSettings } from './compose/manager-settings.js';
import { openStores } from './compose/open-stores.js';
import { gatewaySettings } from './compose/gateway-settings.js';
import { keySealingSecret } from './compose/key-sealing-secret.js';
import { listenOptions } from './compose/listen-options.js';

export interface EmbeddedNubo {
  url: string;
  /** Where HTTP triggers are reached: an origin apart from the console's. */
  triggerUrl: string;
  dataDir: string;
  gateway: Gateway;
  manager: Manager;
  sandbox: Sandbox;
  /** Stops accepting requests, lets in-flight ones finish, stops every worker, closes the stores. */
  close(): Promise<void>;
}

/** Embedded mode: gateway and manager in one process; each store embedded unless configured. */
export async function startEmbedded(config: ServerConfig, logger: Logger): Promise<EmbeddedNubo> {
  const dataDir = resolve(config.NUBO_DATA_DIR);
  const limits = { maxBytes: config.NUBO_MAX_CODE_BYTES, maxUnzippedBytes: config.NUBO_MAX_CODE_UNZIPPED_BYTES };
  const stores = await openStores(config, logger);
  const pool = await openPool(config, logger);
  const queue = await openQueue(config, logger, pool);
  // Stable for one data directory, so a restart finds (and removes) the containers of a crashed run.
  const managerId = config.NUBO_MANAGER_ID ?? `embedded-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
  const dirs = await workerDirs(config, dataDir, managerId);
  const { sandbox, notIsolatedReason } = await openSandbox(config, logger, {
    managerId,
    advertiseIp: '127.0.0.1',
    dirs,
    embedded: true,
  });
  const codeCache = new CodeCache({ dir: dirs.codeCacheDir, store: stores.codeStore, limits, logger });
  const manager = new Manager({ id: managerId, sandbox, codeCache, pool: pool.pool, logger, ...managerSettings(config) });
  manager.start();

  const gateway = await buildGateway({
    settings: gatewaySettings(config, notIsolatedReason, await keySealingSecret(config, dataDir, logger)),
    logger,
    catalog: stores.catalog,
    invocationLog: stores.invocationLog,
    invocationQueue: queue.queue,
    codeStore: stores.codeStore,
    pool: pool.pool,
    gateways: pool.gateways,
    managers: new InProcessManagerClient(manager),
    liveWorkers: () => manager.liveWorkers().length,
  });
  const { url, triggerUrl } = await gateway.listen(listenOptions(config));
  logger.info(
    { url, triggerUrl, dataDir, sandbox: sandbox.kind, pool: pool.kind, queue: queue.kind, ...stores.kinds },
    `Nubo (embedded) listening on ${url} (HTTP triggers on ${triggerUrl}), data in ${dataDir}`,
  );

  return {
    url,
    triggerUrl,
    dataDir,
    gateway,
    manager,
    sandbox,
    async close() {
      await gateway.close();
      await manager.stop();
      await dirs.remove();
      await queue.close();
      await pool.close();
      await stores.close();
    },
  };
}
