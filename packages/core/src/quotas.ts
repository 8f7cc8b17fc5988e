import { NuboError, type ErrorCode } from './errors.js';

/**
 * Per-user quotas on what tenants share: every user has the defaults (NUBO_QUOTA_*), and the admin
 * may set other limits per user. Each is enforced where the resource is taken; a refusal names the
 * quota in its code and says only the caller's own use.
 */
export const quotaNames = [
  'functions',
  'versionsPerFunction',
  'codeMb',
  'warmMemoryMb',
  'queuedEvents',
  'queuedMb',
  'schedules',
  'scheduleMinIntervalS',
  'logTails',
  'apiKeys',
] as const;
export type QuotaName = (typeof quotaNames)[number];

export type Quotas = Record<QuotaName, number>;

/** What each quota bounds, for messages and documentation. */
export const quotaMeanings: Record<QuotaName, string> = {
  functions: 'functions',
  versionsPerFunction: 'versions kept per function (a deploy past it removes the oldest inactive ones)',
  codeMb: 'MB of code, unpacked, of every version kept',
  warmMemoryMb: "MB of memory reserved by the active versions' warm floors (minWarm × memoryMb)",
  queuedEvents: 'asynchronous events waiting or running',
  queuedMb: 'MB of asynchronous events waiting or running',
  schedules: 'schedules',
  scheduleMinIntervalS: 'seconds at least between two ticks of one schedule',
  logTails: 'live tails open at once (per gateway)',
  apiKeys: 'API keys',
};

/** The quotas that refuse what goes past them (versionsPerFunction removes the oldest versions instead). */
export type RefusingQuota = Exclude<QuotaName, 'versionsPerFunction'>;

/** The error code that names each refusing quota. */
export const quotaErrorCodes: Record<RefusingQuota, ErrorCode> = {
  functions: 'NUBO_ERR_QUOTA_FUNCTIONS',
  codeMb: 'NUBO_ERR_QUOTA_CODE',
  warmMemoryMb: 'NUBO_ERR_QUOTA_WARM_MEMORY',
  queuedEvents: 'NUBO_ERR_QUOTA_QUEUED_EVENTS',
  queuedMb: 'NUBO_ERR_QUOTA_QUEUED_BYTES',
  schedules: 'NUBO_ERR_QUOTA_SCHEDULES',
  scheduleMinIntervalS: 'NUBO_ERR_QUOTA_SCHEDULE_INTERVAL',
  logTails: 'NUBO_ERR_QUOTA_LOG_TAILS',
  apiKeys: 'NUBO_ERR_QUOTA_API_KEYS',
};

/**
 * A refusal by a quota: its code names the quota, and it says the caller's own limit and use only,
 * never anything of another tenant.
 */
export function quotaExceeded(quota: RefusingQuota, limit: number, used: number, whatToDo: string): NuboError {
  return new NuboError(
    quotaErrorCodes[quota],
    `Your quota ${quota} (${quotaMeanings[quota]}) is ${limit}, and this would take you to ${used}: ${whatToDo}`,
    { quota, limit, used },
  );
}

/** A user's quotas: theirs where the admin set one, the default otherwise. */
export function effectiveQuotas(defaults: Quotas, overrides: Partial<Quotas>): Quotas {
  return { ...defaults, ...overrides };
}
