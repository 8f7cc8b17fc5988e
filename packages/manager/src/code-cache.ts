import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { extractBundle, type BundleLimits, type CodeStore } from '@nubo/core';

/**
 * Extracted code per bundle digest on this node's disk: a cold start fetches and unpacks each
 * version once, and concurrent starts of one version share that work.
 */
export class CodeCache {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly options: { dir: string; store: CodeStore; limits: BundleLimits }) {}

  dirFor(digest: string): Promise<string> {
    let dir = this.pending.get(digest);
    if (!dir) {
      dir = this.materialise(digest);
      this.pending.set(digest, dir);
      dir.catch(() => this.pending.delete(digest));
    }
    return dir;
  }

  private async materialise(digest: string): Promise<string> {
    const target = join(this.options.dir, digest);
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      return target;
    const zip = await this.options.store.get(digest);
    const staging = `${target}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    try {
      await extractBundle(zip, staging, this.options.limits);
    } catch (err) {
      // A bundle that cannot be unpacked leaves nothing behind.
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    await rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      // Another process of this node won the race; its copy is identical.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(staging, { recursive: true, force: true });
    });
    return target;
  }

  /** Drops the extracted copy of a bundle nobody deploys any more. */
  async evict(digest: string): Promise<void> {
    this.pending.delete(digest);
    await rm(join(this.options.dir, digest), { recursive: true, force: true });
  }
}
