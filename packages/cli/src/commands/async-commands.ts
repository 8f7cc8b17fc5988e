import type { Command } from 'commander';
import { ApiClient } from '../client/api-client.js';
import { formatTime, printJson, printTable } from '../output.js';

interface AsyncView {
  requestId: string;
  status: string;
  trigger: string;
  acceptedAt: number;
  finishedAt: number | null;
  attempts: { attempt: number; status: string }[];
  error?: { type: string; message: string };
}

interface ScheduleView {
  name: string;
  cron: string;
  timezone: string;
  event: unknown;
}

const terminal = new Set(['ok', 'failed', 'expired']);
const pollEveryMs = 250;

/** `nubo result`, `nubo dlq …`, `nubo schedule …`: asynchronous invocations, dead letters and schedules. */
export function registerAsyncCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());
  const fnPath = (name: string) => `/v1/functions/${encodeURIComponent(name)}`;

  program
    .command('result <requestId>')
    .description('The status of an invocation (queued, running, ok, failed, expired), its attempts and result')
    .option('-w, --wait', 'wait until it has finished')
    .option('--timeout <ms>', 'with --wait: give up after this long', '300000')
    .action(async (requestId: string, options: { wait?: boolean; timeout: string }) => {
      const api = await client();
      const deadline = Date.now() + Number(options.timeout);
      for (;;) {
        const { body } = await api.request('GET', `/v1/invocations/${encodeURIComponent(requestId)}`);
        const state = body as AsyncView & { status: string };
        const done = !('attempts' in state) || terminal.has(state.status);
        if (done || !options.wait || Date.now() > deadline) {
          printJson(state);
          if (state.status !== 'ok') process.exitCode = 1;
          if (!done && options.wait) console.error(`Still ${state.status} after ${options.timeout} ms.`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
      }
    });

  const dlq = program
    .command('dlq')
    .description("A function's dead letters: async events that failed after their last retry, or expired");
  dlq
    .command('ls <name>')
    .description('List dead letters, newest first')
    .option('-n, --limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { limit: string; json?: boolean }) => {
      const { body } = await (await client()).request('GET', `${fnPath(name)}/dead-letters?limit=${Number(options.limit)}`);
      const letters = (body as { deadLetters: AsyncView[] }).deadLetters;
      if (options.json) return printJson(letters);
      if (letters.length === 0) return console.log(`${name} has no dead letters.`);
      printTable(
        ['REQUEST ID', 'STATUS', 'ATTEMPTS', 'ACCEPTED', 'ERROR'],
        letters.map((l) => [
          l.requestId,
          l.status,
          l.attempts.length,
          formatTime(l.acceptedAt),
          l.error ? `${l.error.type}: ${l.error.message}`.slice(0, 80) : null,
        ]),
      );
    });
  dlq
    .command('retry <name> <requestId>')
    .description('Queue a dead letter again')
    .action(async (name: string, requestId: string) => {
      await (await client()).request('POST', `${fnPath(name)}/dead-letters/${encodeURIComponent(requestId)}/retry`);
      console.log(`Queued ${requestId} again: nubo result ${requestId} --wait`);
    });
  dlq
    .command('rm <name> <requestId>')
    .description('Remove a dead letter')
    .action(async (name: string, requestId: string) => {
      await (await client()).request('DELETE', `${fnPath(name)}/dead-letters/${encodeURIComponent(requestId)}`);
      console.log(`Removed dead letter ${requestId}.`);
    });

  const schedule = program.command('schedule').description("A function's schedules: cron ticks that invoke it asynchronously");
  schedule
    .command('add <name> <schedule>')
    .description('Add (or replace) a schedule')
    .requiredOption('-c, --cron <expression>', 'five fields, or six with seconds first, e.g. "*/5 * * * *"')
    .option('-z, --timezone <zone>', 'IANA time zone', 'UTC')
    .option('-d, --data <json>', 'the event each tick sends', '{}')
    .action(async (name: string, scheduleName: string, options: { cron: string; timezone: string; data: string }) => {
      let event: unknown;
      try {
        event = JSON.parse(options.data);
      } catch (err) {
        throw new Error(`The event is not valid JSON (${(err as Error).message}).`);
      }
      await (await client()).request('PUT', `${fnPath(name)}/schedules/${encodeURIComponent(scheduleName)}`, {
        cron: options.cron,
        timezone: options.timezone,
        event,
      });
      console.log(`Schedule ${scheduleName} of ${name}: "${options.cron}" (${options.timezone}).`);
    });
  schedule
    .command('ls <name>')
    .description('List schedules')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { body } = await (await client()).request('GET', `${fnPath(name)}/schedules`);
      const list = (body as { schedules: ScheduleView[] }).schedules;
      if (options.json) return printJson(list);
      if (list.length === 0) return console.log(`${name} has no schedules.`);
      printTable(
        ['NAME', 'CRON', 'TIMEZONE', 'EVENT'],
        list.map((s) => [s.name, s.cron, s.timezone, JSON.stringify(s.event).slice(0, 60)]),
      );
    });
  schedule
    .command('rm <name> <schedule>')
    .description('Remove a schedule')
    .action(async (name: string, scheduleName: string) => {
      await (await client()).request('DELETE', `${fnPath(name)}/schedules/${encodeURIComponent(scheduleName)}`);
      console.log(`Removed schedule ${scheduleName} of ${name}.`);
    });
}
