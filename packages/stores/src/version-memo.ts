import type { FunctionVersion } from '@nubo/core';

const maxEntries = 10_000;

/** Versions are immutable, so a catalog reads each one from its database once. */
export class VersionMemo {
  private readonly versions = new Map<string, FunctionVersion>();

  async get(functionId: string, version: number, load: () => Promise<FunctionVersion | null>): Promise<FunctionVersion | null> {
    const key = `${functionId}:${version}`;
    const known = this.versions.get(key);
    if (known) return known;
    const loaded = await load();
    if (!loaded) return null;
    if (this.versions.size >= maxEntries) this.versions.clear();
    this.versions.set(key, loaded);
    return loaded;
  }

  forget(functionId: string, version: number): void {
    this.versions.delete(`${functionId}:${version}`);
  }
}
