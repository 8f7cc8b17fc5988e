import type { User } from '@nubo/core';

/** How long a looked-up key is trusted without asking the catalog again. */
export const keyCacheTtlMs = 2000;
const maxEntries = 10_000;

/**
 * Keeps the catalog lookup of API keys off the hot path. A key revoked on this gateway stops
 * working at once (the cache is cleared); one revoked elsewhere stops within `keyCacheTtlMs`.
 */
export class KeyCache {
  private readonly entries = new Map<string, { user: User; until: number }>();

  get(keyHash: string, now = Date.now()): User | undefined {
    const entry = this.entries.get(keyHash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.user;
    this.entries.delete(keyHash);
    return undefined;
  }

  set(keyHash: string, user: User, now = Date.now()): void {
    if (this.entries.size >= maxEntries) this.entries.clear();
    this.entries.set(keyHash, { user, until: now + keyCacheTtlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
