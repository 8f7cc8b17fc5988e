import { CronExpressionParser } from 'cron-parser';
import { NuboError } from './errors.js';

/** Reads a schedule's cron expression in its time zone; a bad expression or zone is the caller's 400, with the reason. */
export function parseCron(cron: string, timezone: string) {
  const fields = cron.trim().split(/\s+/).length;
  if (!cron.trim().startsWith('@') && fields !== 5 && fields !== 6)
    throw new NuboError(
      'NUBO_ERR_SCHEDULE_INVALID',
      `The cron expression "${cron}" has ${fields} fields: use five (minute hour day-of-month month day-of-week) or six (seconds first).`,
    );
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new NuboError('NUBO_ERR_SCHEDULE_INVALID', `"${timezone}" is no IANA time zone: use e.g. "UTC" or "Europe/Berlin".`);
  }
  try {
    return CronExpressionParser.parse(cron, { tz: timezone, strict: false });
  } catch (err) {
    throw new NuboError('NUBO_ERR_SCHEDULE_INVALID', `The cron expression "${cron}" is invalid: ${(err as Error).message}.`);
  }
}

/** The first tick of a cron expression strictly after `after` (ms since epoch). */
export function nextTick(cron: string, timezone: string, after: number): number {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(after) })
    .next()
    .getTime();
}

/** The shortest time between two of a schedule's next ticks (looking far enough to see its pattern). */
export function shortestInterval(cron: string, timezone: string, after: number): number {
  const ticks = CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(after) })
    .take(64)
    .map((tick) => tick.getTime());
  return ticks.reduce((least, tick, i) => (i === 0 ? least : Math.min(least, tick - ticks[i - 1]!)), Number.POSITIVE_INFINITY);
}
