import type { Command } from 'commander';
import { ApiClient } from '../client/api-client.js';
import { formatTime, printJson, printTable } from '../output.js';

interface InvocationView {
  requestId: string;
  version: number;
  startedAt: number;
  durationMs: number;
  initMs: number | null;
  cold: boolean;
  memoryUsedMb: number | null;
  memoryLimitMb: number;
  status: string;
  errorMessage: string | null;
  logs: string;
}

export function registerLogCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());

  program
    .command('logs <name>')
    .description('Show the invocations of a function, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--cold', 'cold starts only')
    .option('--warm', 'warm starts only')
    .option('--output', 'also print what the handler printed')
    .option('--json', 'print JSON')
    .action(
      async (name: string, options: { limit: string; cold?: boolean; warm?: boolean; output?: boolean; json?: boolean }) => {
        const query = new URLSearchParams({ limit: options.limit });
        if (options.cold) query.set('cold', 'true');
        if (options.warm) query.set('cold', 'false');
        const { body } = await (await client()).request('GET', `/v1/functions/${encodeURIComponent(name)}/logs?${query}`);
        const records = body as InvocationView[];
        if (options.json) return printJson(records);
        if (records.length === 0) return console.log(`No invocations of ${name} yet.`);
        printTable(
          ['STARTED', 'REQUEST', 'V', 'START', 'STATUS', 'DURATION', 'INIT', 'MEMORY', 'ERROR'],
          records.map((r) => [
            formatTime(r.startedAt),
            r.requestId,
            r.version,
            r.cold ? 'cold' : 'warm',
            r.status,
            `${r.durationMs.toFixed(1)}ms`,
            r.initMs === null ? '-' : `${r.initMs.toFixed(1)}ms`,
            `${r.memoryUsedMb ?? '-'}/${r.memoryLimitMb}MB`,
            r.errorMessage?.slice(0, 60),
          ]),
        );
        if (options.output) for (const r of records) if (r.logs) console.log(`\n--- ${r.requestId}\n${r.logs.trimEnd()}`);
      },
    );

  program
    .command('stats <name>')
    .description('Invocation count, errors, cold ratio and duration percentiles')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { body } = await (await client()).request('GET', `/v1/functions/${encodeURIComponent(name)}/stats`);
      const s = body as {
        count: number;
        errorCount: number;
        coldCount: number;
        coldRatio: number;
        p50Ms: number | null;
        p95Ms: number | null;
        p99Ms: number | null;
      };
      if (options.json) return printJson(s);
      const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)} ms`);
      console.log(`invocations  ${s.count}`);
      console.log(`errors       ${s.errorCount}`);
      console.log(`cold starts  ${s.coldCount} (${(s.coldRatio * 100).toFixed(1)}%)`);
      console.log(`duration     p50 ${ms(s.p50Ms)}  p95 ${ms(s.p95Ms)}  p99 ${ms(s.p99Ms)}`);
    });
}
