import type { Command } from 'commander';
import Docker from 'dockerode';
import { loadServerConfig, runtimeIds, runtimeOf, type RuntimeId } from '@nubo/core';
import { buildRuntimeImage } from '@nubo/manager';

export function registerImagesCommand(program: Command): void {
  program
    .command('images')
    .description('Worker images for the Docker sandbox')
    .command('build [runtimes...]')
    .description(
      `Build the worker images FROM scratch out of this host's node and python3 (${runtimeIds.join(', ')}; default all)`,
    )
    .action(async (runtimes: string[]) => {
      const config = loadServerConfig();
      const docker = new Docker({ socketPath: config.NUBO_DOCKER_SOCKET });
      await docker.ping().catch((err: Error) => {
        throw new Error(
          `Cannot reach the Docker engine at ${config.NUBO_DOCKER_SOCKET} (${err.message}): start dockerd (scripts/services/docker.sh) first.`,
        );
      });
      const wanted = (runtimes.length > 0 ? runtimes : [...runtimeIds]) as RuntimeId[];
      const built = new Set<string>();
      for (const runtime of wanted) {
        if (!runtimeIds.includes(runtime)) throw new Error(`Unknown runtime "${runtime}": use ${runtimeIds.join(', ')}.`);
        // The custom runtimes share one image.
        if (built.has(runtimeOf(runtime).defaultImage)) continue;
        built.add(await buildRuntimeImage(docker, runtime, (line) => console.log(line)));
      }
    });
}
