import type { Command } from 'commander';
import { ApiClient } from '../client/api-client.js';
import { formatTime, printJson, printTable } from '../output.js';

interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** `nubo keys create|ls|rm`: API keys, also the credentials AWS SDKs and the AWS CLI sign with. */
export function registerKeyCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());
  const keys = program.command('keys').description('Your API keys (Bearer keys, and AWS credentials for the Lambda API)');

  keys
    .command('create [name]')
    .description('Create an API key; prints it once, with the AWS credential variables it makes')
    .action(async (name: string | undefined) => {
      const { body } = await (await client()).request('POST', '/v1/keys', { name: name ?? 'api' });
      const issued = body as { apiKey: string; keyId: string };
      console.log(`Key ${issued.keyId} created. It is shown only now: keep it somewhere safe.`);
      console.log(`  Bearer:  Authorization: Bearer ${issued.apiKey}`);
      console.log('  AWS SDKs and the AWS CLI (the Lambda API, with --endpoint-url / endpoint set to this Nubo):');
      console.log(`    export AWS_ACCESS_KEY_ID=${issued.keyId}`);
      console.log(`    export AWS_SECRET_ACCESS_KEY=${issued.apiKey}`);
    });

  keys
    .command('ls')
    .description('List your API keys')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { body } = await (await client()).request('GET', '/v1/keys');
      const list = body as ApiKeyView[];
      if (options.json) return printJson(list);
      printTable(
        ['ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED'],
        list.map((k) => [k.id, k.name, k.prefix, formatTime(k.createdAt), k.lastUsedAt ? formatTime(k.lastUsedAt) : null]),
      );
    });

  keys
    .command('rm <id>')
    .description('Revoke an API key')
    .action(async (id: string) => {
      await (await client()).request('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      console.log(`Key ${id} revoked.`);
    });
}
