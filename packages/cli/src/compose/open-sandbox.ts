import Docker from 'dockerode';
import { imageVariableOf, runtimeIds, type Logger, type Sandbox, type ServerConfig } from '@nubo/core';
import { DockerSandbox, EgressPolicy, ProcessSandbox, decideIsolation, sandboxDirs, type SandboxDirs } from '@nubo/manager';

export interface OpenedSandbox {
  sandbox: Sandbox;
  /** Why workers are not isolated from each other (only the admin may use Nubo then); null when they are. */
  notIsolatedReason: string | null;
}

/** The directories of this node's workers and their code (see sandboxDirs: outside the data directory for an isolating root). */
export function workerDirs(config: ServerConfig, dataDir: string, managerId: string): Promise<SandboxDirs> {
  return sandboxDirs(dataDir, managerId, config.NUBO_SANDBOX === 'process' && config.NUBO_ISOLATION !== 'off');
}

/** The sandbox NUBO_SANDBOX names: local processes (isolated per NUBO_ISOLATION), or containers of the Docker engine. */
export async function openSandbox(
  config: ServerConfig,
  logger: Logger,
  options: {
    managerId: string;
    advertiseIp: string;
    dirs: SandboxDirs;
    /** Whether the gateway runs in this process (it then calls isolated workers on their Unix sockets). */
    embedded: boolean;
  },
): Promise<OpenedSandbox> {
  const egress = new EgressPolicy(config.NUBO_EGRESS_ALLOW);
  if (config.NUBO_SANDBOX === 'process') {
    const { isolation, notIsolatedReason } = await decideIsolation(
      {
        mode: config.NUBO_ISOLATION,
        managerId: options.managerId,
        dirs: options.dirs,
        egress,
      },
      logger,
    );
    const host = options.embedded ? undefined : options.advertiseIp;
    return {
      sandbox: new ProcessSandbox({ workDir: options.dirs.workDir, logger, isolation, ...(host ? { host } : {}) }),
      notIsolatedReason,
    };
  }
  const sandbox = await DockerSandbox.open({
    docker: new Docker({ socketPath: config.NUBO_DOCKER_SOCKET }),
    managerId: options.managerId,
    advertiseIp: options.advertiseIp,
    workDir: options.dirs.workDir,
    relaySockets: !options.embedded,
    ports: config.NUBO_WORKER_PORT_RANGE,
    egress,
    images: Object.fromEntries(
      runtimeIds.flatMap((runtime) => {
        const image = config[imageVariableOf(runtime)];
        return image ? [[runtime, image]] : [];
      }),
    ),
    logger,
  });
  return { sandbox, notIsolatedReason: null };
}
