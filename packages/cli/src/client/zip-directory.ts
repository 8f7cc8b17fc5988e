import { zipSync, type Zippable } from 'fflate';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const skipped = new Set(['.git', '.nubo', '.DS_Store']);

/** Made on Unix (the zip format's host 3), so the permission bits in `attrs` count. */
const unixHost = 3;
const regularFile = 0o100000;

/** Zips a function's directory (its node_modules included: the function needs them), keeping execute bits. */
export async function zipDirectory(dir: string): Promise<{ zip: Uint8Array; files: number }> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`"${dir}" is not a directory: give the folder that holds the function's code.`);
  const entries: Zippable = {};
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (skipped.has(entry.name)) continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const mode = (await stat(full)).mode & 0o777;
        entries[relative(dir, full).split(sep).join('/')] = [
          await readFile(full),
          { os: unixHost, attrs: (regularFile | mode) * 0x10000 },
        ];
      }
    }
  };
  await walk(dir);
  return { zip: zipSync(entries, { level: 6 }), files: Object.keys(entries).length };
}
