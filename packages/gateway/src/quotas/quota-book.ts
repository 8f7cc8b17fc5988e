import {
  effectiveQuotas,
  quotaExceeded,
  type Catalog,
  type InvocationQueue,
  type OwnerQueueLimits,
  type QuotaName,
  type Quotas,
  type User,
} from '@nubo/core';
import { TtlCache } from '../ttl-cache.js';
import { floorOf } from '../warm-floors.js';

const MiB = 1024 * 1024;

/** What a user holds of each quota's resource (logTails: on this gateway; a schedule's interval holds nothing). */
export type QuotaUsage = Record<Exclude<QuotaName, 'scheduleMinIntervalS'>, number>;

/**
 * Each user's quotas — the defaults (NUBO_QUOTA_*) with what the admin set for them — and what they
 * hold now. Limits are trusted for 2 s, so an admin's change reaches every gateway within that.
 */
export class QuotaBook {
  private readonly cache = new TtlCache<Quotas>(2000);
  /** Live tails open on this gateway, per user. */
  private readonly tails = new Map<string, number>();

  constructor(private readonly deps: { catalog: Catalog; queue: InvocationQueue; defaults: Quotas }) {}

  get defaults(): Quotas {
    return this.deps.defaults;
  }

  async limitsOf(userId: string): Promise<Quotas> {
    const cached = this.cache.get(userId);
    if (cached) return cached;
    const limits = effectiveQuotas(this.deps.defaults, await this.deps.catalog.quotaOverrides(userId));
    this.cache.set(userId, limits);
    return limits;
  }

  /** An admin's change: this gateway sees it at once. */
  forget(userId: string): void {
    this.cache.delete(userId);
  }

  /** The limits an owner's asynchronous events are queued under, over all its functions. */
  async queueLimitsOf(ownerId: string): Promise<OwnerQueueLimits> {
    const limits = await this.limitsOf(ownerId);
    return { maxEvents: limits.queuedEvents, maxBytes: limits.queuedMb * MiB };
  }

  /** One more API key for the user fits its quota, or the quota's error. */
  async assertKeyRoom(userId: string): Promise<void> {
    const limit = (await this.limitsOf(userId)).apiKeys;
    const keys = (await this.deps.catalog.usageOf(userId)).apiKeys;
    if (keys + 1 > limit)
      throw quotaExceeded(
        'apiKeys',
        limit,
        keys + 1,
        'revoke the keys you no longer use (nubo keys ls, nubo keys rm ID), or ask the admin for more.',
      );
  }

  /** The MB of memory the active versions of an owner's functions reserve as warm floors, one function left out. */
  async warmMemoryOf(ownerId: string, exceptFunctionId: string | null = null): Promise<number> {
    const targets = await this.deps.catalog.listWarmTargets();
    return targets
      .filter(({ fn }) => fn.ownerId === ownerId && fn.id !== exceptFunctionId)
      .reduce((sum, { version }) => sum + floorOf(version.limits).memoryMb, 0);
  }

  /** Takes one of the user's live tails (on this gateway); false when all are open. Give it back with `endTail`. */
  async openTail(user: User): Promise<{ open: number; limit: number; taken: boolean }> {
    const limit = (await this.limitsOf(user.id)).logTails;
    const open = this.tails.get(user.id) ?? 0;
    if (open >= limit) return { open, limit, taken: false };
    this.tails.set(user.id, open + 1);
    return { open: open + 1, limit, taken: true };
  }

  endTail(user: User): void {
    const open = (this.tails.get(user.id) ?? 1) - 1;
    if (open > 0) this.tails.set(user.id, open);
    else this.tails.delete(user.id);
  }

  /** What the user holds of each quota's resource now. */
  async usageOf(userId: string): Promise<QuotaUsage> {
    const { catalog, queue } = this.deps;
    const [held, queued, schedules, warmMemoryMb, functions] = await Promise.all([
      catalog.usageOf(userId),
      queue.usage(userId),
      queue.scheduleCount(userId),
      this.warmMemoryOf(userId),
      catalog.listFunctions(userId),
    ]);
    const versions = await Promise.all(functions.map(async (fn) => (await catalog.listVersions(fn.id)).length));
    return {
      functions: held.functions,
      versionsPerFunction: Math.max(0, ...versions),
      codeMb: Math.ceil(held.codeBytes / MiB),
      warmMemoryMb,
      queuedEvents: queued.events,
      queuedMb: Math.ceil(queued.bytes / MiB),
      schedules,
      logTails: this.tails.get(userId) ?? 0,
      apiKeys: held.apiKeys,
    };
  }
}
