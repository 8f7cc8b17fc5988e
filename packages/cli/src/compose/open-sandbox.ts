import Docker from 'dockerode';
import type { Logger, Sandbox, ServerConfig } from '@nubo/core';
import { DockerSandbox, ProcessSandbox } from '@nubo/manager';

/** The sandbox NUBO_SANDBOX names: local processes, or containers of the Docker engine. */
export async function openSandbox(
  config: ServerConfig,
  logger: Logger,
  options: { managerId: string; advertiseIp: string; workDir: string },
): Promise<Sandbox> {
  if (config.NUBO_SANDBOX === 'process')
    return new ProcessSandbox({ workDir: options.workDir, logger, host: options.advertiseIp });
  return DockerSandbox.open({
    docker: new Docker({ socketPath: config.NUBO_DOCKER_SOCKET }),
    managerId: options.managerId,
    advertiseIp: options.advertiseIp,
    ports: config.NUBO_WORKER_PORT_RANGE,
    images: {
      ...(config.NUBO_IMAGE_NODE20 ? { node20: config.NUBO_IMAGE_NODE20 } : {}),
      ...(config.NUBO_IMAGE_PYTHON311 ? { 'python3.11': config.NUBO_IMAGE_PYTHON311 } : {}),
    },
    logger,
  });
}
