import type { Command } from 'commander';
import { createLogger, loadServerConfig } from '@nubo/core';
import { startEmbedded } from '../embedded.js';

/** Graceful stop waits this long for in-flight invocations before workers are killed anyway. */
const shutdownBoundMs = 30_000;

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Run Nubo in embedded mode: gateway and manager in one process, no external service')
    .option('--port <port>', 'port to listen on (NUBO_PORT, default 8080)')
    .option('--host <host>', 'address to listen on (NUBO_HOST, default 127.0.0.1)')
    .option('--data <dir>', 'where data lives (NUBO_DATA_DIR, default ./.nubo)')
    .action(async (options: { port?: string; host?: string; data?: string }) => {
      const env = { ...process.env };
      if (options.port !== undefined) env.NUBO_PORT = options.port;
      if (options.host !== undefined) env.NUBO_HOST = options.host;
      if (options.data !== undefined) env.NUBO_DATA_DIR = options.data;
      const config = loadServerConfig(env);
      const logger = createLogger({ level: config.NUBO_LOG_LEVEL, name: 'nubo' });
      const nubo = await startEmbedded(config, logger);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping: finishing in-flight invocations, then stopping workers');
        const force = setTimeout(() => {
          logger.error(`in-flight invocations did not finish within ${shutdownBoundMs} ms; exiting`);
          process.exit(1);
        }, shutdownBoundMs);
        force.unref();
        nubo.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
