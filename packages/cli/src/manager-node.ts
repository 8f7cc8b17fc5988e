import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { NuboError, type Logger, type ServerConfig } from '@nubo/core';
import type { Sandbox } from '@nubo/core';
import { ClusterMembership, CodeCache, Manager, buildManagerServer } from '@nubo/manager';
import { openSandbox, workerDirs } from './compose/open-sandbox.js';
import { openPool, requireCluster } from './compose/open-pool.js';
import { openCodeStore } from './compose/open-stores.js';
import { managerSettings } from './compose/manager-settings.js';

export interface ManagerNode {
  id: string;
  url: string;
  manager: Manager;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/** `nubo manager`: creates and destroys this node's workers and answers their IP:Port. */
export async function startManagerNode(config: ServerConfig, logger: Logger): Promise<ManagerNode> {
  const { token } = requireCluster(config, 'manager');
  if (!config.NUBO_MANAGER_URL)
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      'nubo manager needs NUBO_MANAGER_URL: the URL its API listens on, e.g. http://10.0.1.7:7070, reachable from the gateways.',
    );
  const listen = new URL(config.NUBO_MANAGER_URL);
  const advertiseIp = config.NUBO_ADVERTISE_IP ?? listen.hostname;
  const id = config.NUBO_MANAGER_ID ?? `${hostname()}-${advertiseIp}-${listen.port}`;
  const dataDir = resolve(config.NUBO_DATA_DIR, 'managers', id);
  const limits = { maxBytes: config.NUBO_MAX_CODE_BYTES, maxUnzippedBytes: config.NUBO_MAX_CODE_UNZIPPED_BYTES };

  const pool = await openPool(config, logger);
  const codeStore = await openCodeStore(config);
  const dirs = await workerDirs(config, dataDir, id);
  const { sandbox, notIsolatedReason } = await openSandbox(config, logger, {
    managerId: id,
    advertiseIp,
    dirs,
    embedded: false,
  });
  if (notIsolatedReason && config.NUBO_ISOLATION !== 'off')
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      `This manager cannot isolate workers (${notIsolatedReason}). Install bubblewrap and slirp4netns (scripts/install-isolation.sh) or use NUBO_SANDBOX=docker; for a cluster of one user, set NUBO_ISOLATION=off on every gateway and manager.`,
    );
  const manager = new Manager({
    id,
    sandbox,
    pool: pool.pool,
    logger,
    ...managerSettings(config),
    codeCache: new CodeCache({ dir: dirs.codeCacheDir, store: codeStore, limits, logger }),
  });
  const server = buildManagerServer({ manager, token, logger });
  await server.listen({ host: listen.hostname, port: Number(listen.port || 80) });
  const membership = new ClusterMembership({
    manager,
    pool: pool.pool,
    registry: pool.registry!,
    url: config.NUBO_MANAGER_URL.replace(/\/+$/, ''),
    advertiseIp,
    heartbeatMs: config.NUBO_HEARTBEAT_MS,
    logger,
  });
  await membership.start();
  manager.start();
  logger.info(
    {
      id,
      url: config.NUBO_MANAGER_URL,
      advertiseIp,
      capacity: config.NUBO_MANAGER_CAPACITY,
      memoryMb: config.NUBO_MANAGER_MEMORY_MB,
      sandbox: sandbox.kind,
    },
    `Nubo manager ${id} listening on ${config.NUBO_MANAGER_URL}, workers on ${advertiseIp}`,
  );
  return {
    id,
    url: config.NUBO_MANAGER_URL,
    manager,
    sandbox,
    /** Graceful: gateways stop choosing it, busy workers finish (up to the drain bound), then everything stops. */
    async close() {
      await membership.startDraining().catch((err: Error) => logger.warn({ err: err.message }, 'could not announce the drain'));
      const stillBusy = await manager.drain(config.NUBO_DRAIN_TIMEOUT_MS);
      if (stillBusy > 0)
        logger.warn(
          { stillBusy },
          `busy workers did not finish within NUBO_DRAIN_TIMEOUT_MS=${config.NUBO_DRAIN_TIMEOUT_MS}; stopping them`,
        );
      await membership.stop();
      await server.close();
      await manager.stop();
      await dirs.remove();
      await pool.close();
    },
  };
}
