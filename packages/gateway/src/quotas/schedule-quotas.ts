import { quotaExceeded, shortestInterval, type InvocationQueue, type Schedule } from '@nubo/core';
import type { QuotaBook } from './quota-book.js';

/**
 * A function's schedules as they will be, held to its owner's quotas: how many schedules in all,
 * and how often one may tick. (Checked schedules only: their cron expressions parse.)
 */
export async function assertScheduleQuotas(
  book: QuotaBook,
  queue: InvocationQueue,
  target: { ownerId: string; functionId: string | null },
  schedules: Schedule[],
  now = Date.now(),
): Promise<void> {
  const limits = await book.limitsOf(target.ownerId);
  for (const schedule of schedules) {
    const interval = shortestInterval(schedule.cron, schedule.timezone, now);
    if (interval < limits.scheduleMinIntervalS * 1000)
      throw quotaExceeded(
        'scheduleMinIntervalS',
        limits.scheduleMinIntervalS,
        Math.floor(interval / 1000),
        `schedule "${schedule.name}" would tick every ${Math.floor(interval / 1000)} s: let it tick at most every ${limits.scheduleMinIntervalS} s, or ask the admin for a lower limit.`,
      );
  }
  const ownHere = target.functionId ? (await queue.schedules(target.functionId)).length : 0;
  const total = (await queue.scheduleCount(target.ownerId)) - ownHere + schedules.length;
  if (total > limits.schedules)
    throw quotaExceeded('schedules', limits.schedules, total, 'remove schedules you no longer need, or ask the admin for more.');
}
