import type { Command } from 'commander';
import { quotaMeanings, quotaNames, type QuotaName } from '@nubo/core';
import { ApiClient } from '../client/api-client.js';
import { printJson, printTable } from '../output.js';

interface QuotaReport {
  username?: string;
  limits: Record<QuotaName, number>;
  usage: Partial<Record<QuotaName, number>>;
  overrides?: Partial<Record<QuotaName, number>>;
}

/** `--functions`, `--code-mb`, …: each quota's option name. */
const optionOf = (name: QuotaName) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function printReport(report: QuotaReport): void {
  printTable(
    ['QUOTA', 'USED', 'LIMIT', 'SET BY', 'WHAT IT BOUNDS'],
    quotaNames.map((name) => [
      name,
      report.usage[name],
      report.limits[name],
      report.overrides ? (name in report.overrides ? 'admin' : 'default') : null,
      quotaMeanings[name],
    ]),
  );
}

/** `nubo quotas`: your own quotas; `nubo quotas show|set USER`: the admin's view and change of a user's. */
export function registerQuotaCommands(program: Command): void {
  const client = () => ApiClient.fromOptions(program.opts());
  const quotas = program
    .command('quotas')
    .description('Your quotas and what you hold of each (the admin: show or set a user’s)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { body } = await (await client()).request('GET', '/v1/quotas');
      if (options.json) return printJson(body);
      printReport(body as QuotaReport);
    });

  // `--json` after `show USER` is taken by `quotas` itself, which defines it too.
  quotas
    .command('show <user>')
    .description("A user's quotas, which of them the admin set, and what the user holds (the admin only)")
    .action(async (user: string) => {
      const { body } = await (await client()).request('GET', `/v1/admin/users/${encodeURIComponent(user)}/quotas`);
      if (quotas.opts().json) return printJson(body);
      printReport(body as QuotaReport);
    });

  const set = quotas
    .command('set <user>')
    .description('Set a user’s quotas (the admin only): a number sets one, "default" puts it back');
  for (const name of quotaNames) set.option(`--${optionOf(name)} <n>`, quotaMeanings[name]);
  set.action(async (user: string, options: Record<string, string>) => {
    const change: Record<string, number | null> = {};
    for (const name of quotaNames) {
      const given = options[name];
      if (given === undefined) continue;
      const value = Number(given);
      if (given !== 'default' && (!Number.isInteger(value) || value < 0))
        throw new Error(`--${optionOf(name)} takes a whole number or "default", not "${given}".`);
      change[name] = given === 'default' ? null : value;
    }
    if (Object.keys(change).length === 0)
      throw new Error(`Name at least one quota to set: ${quotaNames.map((n) => `--${optionOf(n)}`).join(', ')}.`);
    const { body } = await (await client()).request('PUT', `/v1/admin/users/${encodeURIComponent(user)}/quotas`, change);
    printReport(body as QuotaReport);
  });
}
