import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Puts a version's code into a stem cell's code directory: a copy of the code cache's, which the
 * sandbox shows read-only. Not hard links: they would change the cached files' link counts, which
 * the cache's integrity check reads as tampering.
 */
export async function copyTree(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      await mkdir(target, { mode: 0o755 });
      await copyTree(source, target);
    } else if (entry.isFile()) await copyFile(source, target);
  }
}
