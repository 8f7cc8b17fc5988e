import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NuboError, bundleDigest, type CodeStore } from '@nubo/core';

const digestPattern = /^[0-9a-f]{64}$/;

/** The embedded CodeStore: bundles as files named by their sha256, under one directory. */
export class FsCodeStore implements CodeStore {
  constructor(private readonly dir: string) {}

  private pathOf(digest: string): string {
    if (!digestPattern.test(digest)) throw new NuboError('NUBO_ERR_SERVER_INTERNAL', `Not a code digest: "${digest}".`);
    return join(this.dir, digest.slice(0, 2), `${digest}.zip`);
  }

  async put(bundle: Uint8Array): Promise<string> {
    const digest = bundleDigest(bundle);
    const target = this.pathOf(digest);
    if (await this.has(digest)) return digest;
    await mkdir(join(this.dir, digest.slice(0, 2)), { recursive: true });
    // Write then rename, so a reader never sees half a bundle.
    const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, bundle);
    await rename(temporary, target);
    return digest;
  }

  async get(digest: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NuboError(
          'NUBO_ERR_SERVER_INTERNAL',
          `Code bundle ${digest} is missing from ${this.dir}: deploy the function again.`,
        );
      }
      throw err;
    }
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.pathOf(digest)).then(
      () => true,
      () => false,
    );
  }

  async delete(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }
}
