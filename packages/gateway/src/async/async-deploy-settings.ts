import {
  NuboError,
  assertFunctionName,
  defaultAsyncSettings,
  parseCron,
  type AsyncSettings,
  type Catalog,
  type Schedule,
} from '@nubo/core';
import type { DeployRequest } from '../deployer.js';

/** The deploy body's async settings over the defaults, checked: asyncConcurrency within maxConcurrency, destinations that exist. */
export async function asyncSettingsOf(
  request: DeployRequest,
  context: { ownerId: string; name: string; maxConcurrency: number; catalog: Catalog },
): Promise<AsyncSettings> {
  const defaults = defaultAsyncSettings(context.maxConcurrency);
  const settings: AsyncSettings = {
    maxRetries: request.maxRetries ?? defaults.maxRetries,
    retryBackoffMs: request.retryBackoffMs ?? defaults.retryBackoffMs,
    maxEventAgeMs: request.maxEventAgeMs ?? defaults.maxEventAgeMs,
    asyncConcurrency: request.asyncConcurrency ?? defaults.asyncConcurrency,
    maxQueuedEvents: request.maxQueuedEvents ?? defaults.maxQueuedEvents,
    onSuccess: request.onSuccess ?? null,
    onFailure: request.onFailure ?? null,
  };
  if (settings.asyncConcurrency > context.maxConcurrency)
    throw new NuboError(
      'NUBO_ERR_DEPLOY_INVALID_ASYNC',
      `asyncConcurrency (${settings.asyncConcurrency}) cannot be above maxConcurrency (${context.maxConcurrency}): async work takes its workers from the same ones.`,
    );
  for (const [field, destination] of [
    ['onSuccess', settings.onSuccess],
    ['onFailure', settings.onFailure],
  ] as const) {
    if (destination === null || destination === context.name) continue;
    try {
      assertFunctionName(destination);
    } catch (err) {
      throw new NuboError('NUBO_ERR_DEPLOY_INVALID_ASYNC', `${field}: ${(err as Error).message}`);
    }
    if (!(await context.catalog.getFunction(context.ownerId, destination)))
      throw new NuboError(
        'NUBO_ERR_DEPLOY_INVALID_ASYNC',
        `${field} names "${destination}", which is no function of yours: deploy it first, or leave ${field} out.`,
      );
  }
  return settings;
}

/** Checks each schedule (cron expression, time zone, a name used once), so a bad one is a 400 before anything is deployed. */
export function checkedSchedules(schedules: Schedule[]): Schedule[] {
  const names = new Set<string>();
  for (const s of schedules) {
    if (names.has(s.name))
      throw new NuboError('NUBO_ERR_SCHEDULE_INVALID', `Two schedules are named "${s.name}": give each its own name.`);
    names.add(s.name);
    parseCron(s.cron, s.timezone);
  }
  return schedules;
}
