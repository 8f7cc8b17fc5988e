import type Docker from 'dockerode';
import { NuboError, type Logger } from '@nubo/core';
import { workerNetwork } from './container-spec.js';

/** The engine answers, or a start-up error that says how to start it. */
export async function assertEngineReachable(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      `Cannot reach the Docker engine (${(err as Error).message}): start it (dockerd, or scripts/services/docker.sh) or set NUBO_DOCKER_SOCKET.`,
    );
  }
}

/** Warns about each worker image the engine lacks (a deploy of that runtime would fail). */
export async function warnOfMissingImages(docker: Docker, images: Record<string, string>, logger: Logger): Promise<void> {
  for (const [runtime, image] of Object.entries(images)) {
    const found = await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (!found)
      logger.warn(
        { image },
        `worker image ${image} is missing: build it with "nubo images build" before deploying ${runtime} functions`,
      );
  }
}

/** The egress workers' bridge network, without traffic between containers; made once per engine. */
export async function ensureWorkerNetwork(docker: Docker): Promise<void> {
  const networks = await docker.listNetworks({ filters: { name: [workerNetwork] } });
  if (networks.some((n) => n.Name === workerNetwork)) return;
  await docker
    .createNetwork({
      Name: workerNetwork,
      Driver: 'bridge',
      Options: { 'com.docker.network.bridge.enable_icc': 'false' },
      Labels: { 'nubo.network': 'workers' },
    })
    .catch((err: Error) => {
      if (!/already exists/.test(err.message)) throw err;
    });
}

/** Removes the containers an earlier run of this manager left behind. */
export async function removeOrphans(docker: Docker, managerId: string, logger: Logger): Promise<void> {
  const orphans = await docker.listContainers({ all: true, filters: { label: [`nubo.manager=${managerId}`] } });
  await Promise.all(
    orphans.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  if (orphans.length > 0)
    logger.warn({ removed: orphans.length }, 'removed worker containers left by an earlier run of this manager');
}
