import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { idempotencyKeyHeader, invocationTypeHeader, requestIdHeader, runtimeIds } from '@nubo/core';
import { ApiClient } from '../client/api-client.js';
import { zipDirectory } from '../client/zip-directory.js';
import { formatTime, printJson, printTable } from '../output.js';

interface DeployOptions {
  runtime: string;
  handler: string;
  env: string[];
  memory?: string;
  timeout?: string;
  maxConcurrency?: string;
  minWarm?: string;
  idleTtl?: string;
  network?: string;
  public?: boolean;
  maxRetries?: string;
  retryBackoff?: string;
  maxEventAge?: string;
  asyncConcurrency?: string;
  maxQueued?: string;
  onSuccess?: string;
  onFailure?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--env "${pair}" is not NAME=value.`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number, not "${value}".`);
  return n;
}

interface InvokeOptions {
  data: string;
  file?: string;
  verbose?: boolean;
  async?: boolean;
  idempotencyKey?: string;
}

async function queueEvent(api: ApiClient, name: string, event: unknown, idempotencyKey: string | undefined): Promise<void> {
  const { body } = await api.request('POST', `/v1/functions/${encodeURIComponent(name)}/invoke`, event, {
    extraHeaders: { [invocationTypeHeader]: 'async', ...(idempotencyKey ? { [idempotencyKeyHeader]: idempotencyKey } : {}) },
  });
  const queued = body as { requestId: string; status: string; duplicate: boolean };
  console.log(queued.requestId);
  console.error(
    queued.duplicate
      ? `Already queued with this idempotency key (status ${queued.status}): nubo result ${queued.requestId} --wait`
      : `Queued: nubo result ${queued.requestId} --wait`,
  );
}

export function registerFunctionCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());

  program
    .command('deploy <name> [dir]')
    .description('Zip a directory and deploy it as the next version of a function')
    .option('-r, --runtime <runtime>', `${runtimeIds.join(', ')} (or Lambda's ids, e.g. nodejs24.x)`, 'node24')
    .option('-H, --handler <file.export>', 'handler: <file>.<export>', 'index.handler')
    .option('-e, --env <NAME=value>', 'environment variable (repeatable)', collect, [])
    .option('-m, --memory <mb>', 'memory limit in MB')
    .option('-t, --timeout <ms>', 'timeout in ms')
    .option('--max-concurrency <n>', 'most workers at once')
    .option('--min-warm <n>', 'idle workers kept ready')
    .option('--idle-ttl <ms>', 'idle time before a worker is stopped')
    .option('--network <mode>', 'egress (outbound network, the default) or none')
    .option('--public', 'callable over the HTTP trigger without a key')
    .option('--max-retries <n>', 'retries of a failed async event (0–5, default 2)')
    .option('--retry-backoff <ms>', 'wait before the first retry, doubling after (default 1000)')
    .option('--max-event-age <ms>', 'an async event not started by then expires (default 6 h)')
    .option('--async-concurrency <n>', 'workers async work may take at once (default half of max-concurrency)')
    .option('--max-queued <n>', 'waiting async events at most (default 10000)')
    .option('--on-success <function>', "a function of yours invoked with Lambda's destination record on success")
    .option('--on-failure <function>', 'the same after the last retry failed or the event expired')
    .action(async (name: string, dir: string | undefined, options: DeployOptions) => {
      const api = await client();
      const { zip, files } = await zipDirectory(dir ?? '.');
      const body = {
        runtime: options.runtime,
        handler: options.handler,
        code: { zip: Buffer.from(zip).toString('base64') },
        env: parseEnv(options.env),
        memoryMb: int('--memory', options.memory),
        timeoutMs: int('--timeout', options.timeout),
        maxConcurrency: int('--max-concurrency', options.maxConcurrency),
        minWarm: int('--min-warm', options.minWarm),
        idleTtlMs: int('--idle-ttl', options.idleTtl),
        network: options.network,
        public: options.public === true,
        maxRetries: int('--max-retries', options.maxRetries),
        retryBackoffMs: int('--retry-backoff', options.retryBackoff),
        maxEventAgeMs: int('--max-event-age', options.maxEventAge),
        asyncConcurrency: int('--async-concurrency', options.asyncConcurrency),
        maxQueuedEvents: int('--max-queued', options.maxQueued),
        onSuccess: options.onSuccess,
        onFailure: options.onFailure,
      };
      const { body: deployed } = await api.request('PUT', `/v1/functions/${encodeURIComponent(name)}`, body);
      const result = deployed as {
        function: { name: string; invokeUrl: string; triggerUrl: string; public: boolean };
        version: { version: number; warnings: string[] };
        removedVersions?: number[];
      };
      console.log(
        `Deployed ${result.function.name} version ${result.version.version} (${files} files, ${zip.length} bytes zipped).`,
      );
      for (const warning of result.version.warnings) console.error(`Warning: ${warning}`);
      if (result.removedVersions?.length)
        console.log(`  removed old versions ${result.removedVersions.join(', ')} (your quota versionsPerFunction)`);
      console.log(`  invoke:  nubo invoke ${name}   (POST ${result.function.invokeUrl})`);
      console.log(`  trigger: ${result.function.triggerUrl}${result.function.public ? ' (public)' : ' (needs an API key)'}`);
    });

  program
    .command('invoke <name>')
    .description("Invoke a function with a JSON event and print the handler's result")
    .option('-d, --data <json>', 'the event, as JSON', '{}')
    .option('-f, --file <path>', 'read the event from a JSON file')
    .option('-v, --verbose', 'also print request id, cold start and duration')
    .option('--async', 'queue the event and print its request id at once (see nubo result)')
    .option('--idempotency-key <key>', 'with --async: the same key queues the event once')
    .action(async (name: string, options: InvokeOptions) => {
      const api = await client();
      const text = options.file ? await readFile(options.file, 'utf8') : options.data;
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (err) {
        throw new Error(`The event is not valid JSON (${(err as Error).message}).`);
      }
      if (options.async) return queueEvent(api, name, event, options.idempotencyKey);
      const response = await api.request('POST', `/v1/functions/${encodeURIComponent(name)}/invoke`, event, { allowError: true });
      const meta = `request ${response.headers.get(requestIdHeader)}, ${response.headers.get('x-nubo-cold-start') === 'true' ? 'cold' : 'warm'} start, ${response.headers.get('x-nubo-duration-ms')} ms`;
      if (response.status >= 400) {
        const error = (response.body as { error?: { code?: string; message?: string; stack?: string } }).error;
        console.error(`Error ${response.status} ${error?.code ?? ''}: ${error?.message ?? JSON.stringify(response.body)}`);
        if (options.verbose && error?.stack) console.error(error.stack);
        if (response.headers.get(requestIdHeader)) console.error(meta);
        process.exitCode = 1;
        return;
      }
      printJson(response.body);
      if (options.verbose) console.error(meta);
    });

  program
    .command('ls')
    .description('List your functions')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { body } = await (await client()).request('GET', '/v1/functions');
      const fns = body as { name: string; activeVersion: number; public: boolean; updatedAt: number }[];
      if (options.json) return printJson(fns);
      if (fns.length === 0) return console.log('No functions yet: deploy one with nubo deploy NAME DIR.');
      printTable(
        ['NAME', 'VERSION', 'PUBLIC', 'UPDATED'],
        fns.map((f) => [f.name, f.activeVersion, f.public, formatTime(f.updatedAt)]),
      );
    });

  program
    .command('rm <name>')
    .description('Remove a function, its versions, code and workers (its logs stay)')
    .action(async (name: string) => {
      await (await client()).request('DELETE', `/v1/functions/${encodeURIComponent(name)}`);
      console.log(`Removed ${name}.`);
    });
}
