import { resolve } from 'node:path';
import type { Logger, ServerConfig } from '@nubo/core';
import { buildGateway, type Gateway } from '@nubo/gateway';
import { HttpManagerClient } from '@nubo/manager/client';
import { openQueue } from './compose/open-queue.js';
import { openPool, requireCluster } from './compose/open-pool.js';
import { openStores } from './compose/open-stores.js';
import { gatewaySettings } from './compose/gateway-settings.js';
import { keySealingSecret } from './compose/key-sealing-secret.js';
import { listenOptions } from './compose/listen-options.js';

export interface GatewayNode {
  url: string;
  triggerUrl: string;
  gateway: Gateway;
  close(): Promise<void>;
}

/** `nubo gateway`: the HTTP API and invoker; workers come from managers found in Redis. */
export async function startGatewayNode(config: ServerConfig, logger: Logger): Promise<GatewayNode> {
  const { token } = requireCluster(config, 'gateway');
  const pool = await openPool(config, logger);
  const stores = await openStores(config, logger);
  const queue = await openQueue(config, logger, pool);
  const registry = pool.registry!;
  const managers = new HttpManagerClient(registry, token);
  let running = 0;
  const refresh = setInterval(() => {
    registry.alive().then(
      // Functions' workers: a manager's ready stem cells hold room but run no function.
      (alive) => (running = alive.reduce((sum, m) => sum + m.used.workers - m.stems.room.workers, 0)),
      () => undefined,
    );
  }, config.NUBO_HEARTBEAT_MS);
  refresh.unref();
  const gateway = await buildGateway({
    settings: gatewaySettings(
      config,
      config.NUBO_ISOLATION === 'off' ? 'NUBO_ISOLATION=off' : null,
      await keySealingSecret(config, resolve(config.NUBO_DATA_DIR), logger),
    ),
    logger,
    catalog: stores.catalog,
    invocationLog: stores.invocationLog,
    invocationQueue: queue.queue,
    codeStore: stores.codeStore,
    pool: pool.pool,
    gateways: pool.gateways,
    managers,
    liveWorkers: () => running,
  });
  const { url, triggerUrl } = await gateway.listen(listenOptions(config));
  logger.info(
    { url, triggerUrl, pool: pool.kind, queue: queue.kind, ...stores.kinds },
    `Nubo gateway listening on ${url} (HTTP triggers on ${triggerUrl})`,
  );
  return {
    url,
    triggerUrl,
    gateway,
    async close() {
      clearInterval(refresh);
      await gateway.close();
      await managers.close();
      await queue.close();
      await pool.close();
      await stores.close();
    },
  };
}
