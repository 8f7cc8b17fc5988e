import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { ApiClient } from '../client/api-client.js';
import { writeCredentials } from '../client/credentials.js';

interface AuthOptions {
  username?: string;
  password?: string;
}

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error(`${question.replace(/: $/, '')} is needed: pass it as an option (see --help).`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

async function authenticate(program: Command, path: string, options: AuthOptions): Promise<void> {
  const client = await ApiClient.fromOptions(program.opts());
  const username = options.username ?? (await ask('Username: '));
  const password = options.password ?? process.env.NUBO_PASSWORD ?? (await ask('Password: '));
  const { body } = await client.request('POST', path, { username, password });
  const issued = body as { apiKey: string; user: { username: string; isAdmin: boolean } };
  const file = await writeCredentials({ url: client.url, apiKey: issued.apiKey, username: issued.user.username });
  console.log(
    `Logged in to ${client.url} as ${issued.user.username}${issued.user.isAdmin ? ' (admin)' : ''}. API key saved in ${file}.`,
  );
}

export function registerAuthCommands(program: Command): void {
  for (const [name, path, description] of [
    ['signup', '/v1/auth/signup', 'Create an account (the first one is the admin) and save its API key'],
    ['login', '/v1/auth/login', 'Log in and save a new API key'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .option('-u, --username <name>', 'username')
      .option('-p, --password <password>', 'password (or NUBO_PASSWORD)')
      .action((options: AuthOptions) => authenticate(program, path, options));
  }
}
