import { zipSync } from 'fflate';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const skipped = new Set(['.git', '.nubo', '.DS_Store']);

/** Zips a function's directory (its node_modules included: the function needs them). */
export async function zipDirectory(dir: string): Promise<{ zip: Uint8Array; files: number }> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`"${dir}" is not a directory: give the folder that holds the function's code.`);
  const entries: Record<string, Uint8Array> = {};
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (skipped.has(entry.name)) continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) entries[relative(dir, full).split(sep).join('/')] = await readFile(full);
    }
  };
  await walk(dir);
  return { zip: zipSync(entries, { level: 6 }), files: Object.keys(entries).length };
}
