import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractBundle, type BundleLimits, type CodeStore, type Logger } from '@nubo/core';

interface Extracted {
  dir: string;
  /** Every entry's inode, size, times and mode when it was extracted. */
  manifest: string;
}

/**
 * A tree's fingerprint from `lstat` alone: any write, chmod, rename, addition or removal changes an
 * entry's ctime, inode, size or the listing, and ctime cannot be set back by a process.
 */
async function fingerprint(dir: string): Promise<string> {
  const paths = ['', ...((await readdir(dir, { recursive: true })) as string[])].sort();
  const lines = await Promise.all(
    paths.map(async (path) => {
      const s = await lstat(join(dir, path));
      return `${path}\t${s.ino}\t${s.size}\t${s.mtimeMs}\t${s.ctimeMs}\t${s.mode}`;
    }),
  );
  return lines.join('\n');
}

/**
 * Extracted code per bundle digest on this node's disk: a version is fetched and unpacked once, and
 * concurrent starts share that work. A cold start runs exactly the deployed bytes: each start checks
 * the copy's fingerprint and unpacks a fresh one if anything changed it; a copy from an earlier run
 * of the process is never trusted.
 */
export class CodeCache {
  private readonly extracted = new Map<string, Promise<Extracted>>();
  /** Workers whose sandbox shows a copy (bound, not copied), per digest: a held copy is never removed. */
  private readonly holders = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();
  /** Digests no version uses any more: their copy goes as soon as the last holder lets go. */
  private readonly unwanted = new Set<string>();

  constructor(private readonly options: { dir: string; store: CodeStore; limits: BundleLimits; logger?: Logger }) {}

  /** A started worker shows this digest's copy: it stays until `release`. */
  hold(digest: string): void {
    this.holders.set(digest, (this.holders.get(digest) ?? 0) + 1);
  }

  async release(digest: string): Promise<void> {
    const left = (this.holders.get(digest) ?? 1) - 1;
    this.lastUsed.set(digest, Date.now());
    if (left > 0) {
      this.holders.set(digest, left);
      return;
    }
    this.holders.delete(digest);
    if (this.unwanted.has(digest)) await this.evict(digest);
  }

  /**
   * No version uses this bundle any more (its function was removed, or a deploy failed): its copy
   * goes now, or once the last worker showing it is gone.
   */
  async drop(digest: string): Promise<void> {
    if (this.holders.has(digest)) this.unwanted.add(digest);
    else await this.evict(digest);
  }

  /** Removes the copies no worker holds and nothing used for `idleMs`: a node keeps only the code it runs. */
  async evictIdle(now: number, idleMs: number): Promise<number> {
    const idle = [...this.extracted.keys()].filter(
      (digest) => !this.holders.has(digest) && now - (this.lastUsed.get(digest) ?? now) >= idleMs,
    );
    for (const digest of idle) await this.evict(digest);
    return idle.length;
  }

  /** The digests unpacked on this node now (for diagnostics and tests). */
  copies(): string[] {
    return [...this.extracted.keys()];
  }

  async dirFor(digest: string): Promise<string> {
    this.lastUsed.set(digest, Date.now());
    this.unwanted.delete(digest);
    const known = this.extracted.get(digest);
    if (known) {
      const copy = await known.catch(() => null);
      if (copy && (await fingerprint(copy.dir).catch(() => '')) === copy.manifest) return copy.dir;
      if (copy && this.extracted.get(digest) === known) {
        this.options.logger?.warn(
          { digest, dir: copy.dir },
          'extracted code was changed after it was unpacked; unpacking it again',
        );
        this.extracted.delete(digest);
        void rm(copy.dir, { recursive: true, force: true });
      }
    }
    let pending = this.extracted.get(digest);
    if (!pending) {
      pending = this.extract(digest);
      this.extracted.set(digest, pending);
      pending.catch(() => this.extracted.delete(digest));
    }
    return (await pending).dir;
  }

  private async extract(digest: string): Promise<Extracted> {
    // Copies left by an earlier run (or a tampered one) go; each extraction gets a directory of its own.
    await this.removeCopies(digest);
    const zip = await this.options.store.get(digest);
    const dir = join(this.options.dir, `${digest}.${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    try {
      await extractBundle(zip, dir, this.options.limits);
      return { dir, manifest: await fingerprint(dir) };
    } catch (err) {
      // A bundle that cannot be unpacked leaves nothing behind.
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private async removeCopies(digest: string): Promise<void> {
    const names = await readdir(this.options.dir).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((name) => name.startsWith(digest))
        .map((name) => rm(join(this.options.dir, name), { recursive: true, force: true })),
    );
  }

  private async evict(digest: string): Promise<void> {
    this.extracted.delete(digest);
    this.lastUsed.delete(digest);
    this.unwanted.delete(digest);
    await this.removeCopies(digest);
  }
}
