#!/usr/bin/env node
import { Command } from 'commander';
import { NuboError } from '@nubo/core';
import { ApiError } from './client/api-client.js';
import { registerAuthCommands } from './commands/auth-commands.js';
import { registerFunctionCommands } from './commands/function-commands.js';
import { registerLogCommands } from './commands/log-commands.js';
import { registerServerCommands } from './commands/server-command.js';
import { registerImagesCommand } from './commands/images-command.js';
import { registerKeyCommands } from './commands/key-commands.js';
import { registerAsyncCommands } from './commands/async-commands.js';
import { registerQuotaCommands } from './commands/quota-commands.js';

const program = new Command('nubo')
  .description('Nubo: self-hosted functions as a service')
  .option('--url <url>', 'Nubo server URL (NUBO_URL, else the saved one, else http://127.0.0.1:8080)')
  .option('--api-key <key>', 'API key (NUBO_API_KEY, else the saved one)');

registerServerCommands(program);
registerAuthCommands(program);
registerKeyCommands(program);
registerFunctionCommands(program);
registerLogCommands(program);
registerAsyncCommands(program);
registerQuotaCommands(program);
registerImagesCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ApiError || err instanceof NuboError) console.error(`Error ${err.code}: ${err.message}`);
  else console.error(`Error: ${(err as Error).message}`);
  process.exit(1);
});
