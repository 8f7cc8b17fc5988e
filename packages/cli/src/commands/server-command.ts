import type { Command } from 'commander';
import { createLogger, loadServerConfig, type Logger, type ServerConfig } from '@nubo/core';
import { startEmbedded } from '../embedded.js';
import { startGatewayNode } from '../gateway-node.js';
import { startManagerNode } from '../manager-node.js';
import { runUntilSignal } from './run-until-signal.js';

interface ServeOptions {
  port?: string;
  host?: string;
  data?: string;
}

function configFrom(options: ServeOptions): ServerConfig {
  const env = { ...process.env };
  if (options.port !== undefined) env.NUBO_PORT = options.port;
  if (options.host !== undefined) env.NUBO_HOST = options.host;
  if (options.data !== undefined) env.NUBO_DATA_DIR = options.data;
  return loadServerConfig(env);
}

function serve(start: (config: ServerConfig, logger: Logger) => Promise<{ close(): Promise<void> }>) {
  return async (options: ServeOptions) => {
    const config = configFrom(options);
    const logger = createLogger({ level: config.NUBO_LOG_LEVEL, format: config.NUBO_LOG_FORMAT, name: 'nubo' });
    const node = await start(config, logger);
    // Busy workers get NUBO_DRAIN_TIMEOUT_MS; stopping them and closing the stores gets a little more.
    runUntilSignal(() => node.close(), logger, config.NUBO_DRAIN_TIMEOUT_MS + 10_000);
  };
}

export function registerServerCommands(program: Command): void {
  const withListenOptions = (command: Command) =>
    command
      .option('--port <port>', 'port of the HTTP API (NUBO_PORT, default 8080)')
      .option('--host <host>', 'address to listen on (NUBO_HOST, default 127.0.0.1)')
      .option('--data <dir>', 'where local data lives (NUBO_DATA_DIR, default ./.nubo)');

  withListenOptions(
    program.command('server').description('Run Nubo in embedded mode: gateway and manager in one process, no external service'),
  ).action(serve(startEmbedded));
  withListenOptions(
    program.command('gateway').description('Run a gateway of a distributed Nubo (needs NUBO_REDIS_URL and NUBO_CLUSTER_TOKEN)'),
  ).action(serve(startGatewayNode));
  program
    .command('manager')
    .description(
      'Run the manager of this node in a distributed Nubo (needs NUBO_REDIS_URL, NUBO_CLUSTER_TOKEN, NUBO_MANAGER_URL)',
    )
    .option('--data <dir>', 'where code caches and worker scratch space live (NUBO_DATA_DIR)')
    .action(serve(startManagerNode));
}
