import { NuboError, assertFunctionName, type Catalog, type FunctionRecord } from '@nubo/core';
import { TtlCache } from './ttl-cache.js';

/** How long a looked-up function is trusted without asking the catalog again. */
export const functionCacheTtlMs = 2000;

const ownKey = (ownerId: string, name: string) => `id:${ownerId}/${name}`;

/**
 * Finds functions for invocations without a catalog query per request. A stale entry cannot run
 * an old version: a deploy retires the old version's pool key, and a take on a retired key makes
 * the invoker look the function up afresh. Deploys and removals on this gateway forget at once.
 */
export class FunctionResolver {
  private readonly entries = new TtlCache<FunctionRecord>(functionCacheTtlMs);

  constructor(private readonly catalog: Catalog) {}

  private async cached(key: string, fresh: boolean, load: () => Promise<FunctionRecord | null>): Promise<FunctionRecord | null> {
    const known = fresh ? undefined : this.entries.get(key);
    if (known) return known;
    const fn = await load();
    if (fn) this.entries.set(key, fn);
    else this.entries.delete(key);
    return fn;
  }

  /** One of the caller's own functions, or 404. */
  async own(ownerId: string, name: string, fresh = false): Promise<FunctionRecord> {
    assertFunctionName(name);
    const fn = await this.cached(ownKey(ownerId, name), fresh, () => this.catalog.getFunction(ownerId, name));
    if (!fn)
      throw new NuboError(
        'NUBO_ERR_FUNCTION_NOT_FOUND',
        `You have no function named "${name}": deploy it first (nubo deploy ${name} DIR) or list yours with nubo ls.`,
      );
    return fn;
  }

  /** One of the caller's own functions if it is in the cache now (a name that is no function's never is). */
  cachedOwn(ownerId: string, name: string): FunctionRecord | undefined {
    return this.entries.get(ownKey(ownerId, name));
  }

  /** A function by its owner's username, for HTTP triggers. */
  byOwnerName(ownerName: string, name: string, fresh = false): Promise<FunctionRecord | null> {
    return this.cached(`name:${ownerName}/${name}`, fresh, () => this.catalog.getFunctionByOwnerName(ownerName, name));
  }

  forget(fn: FunctionRecord): void {
    this.entries.delete(ownKey(fn.ownerId, fn.name));
    this.entries.delete(`name:${fn.ownerName}/${fn.name}`);
  }
}
