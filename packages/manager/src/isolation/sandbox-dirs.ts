import { chmod, copyFile, cp, link, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runtimeIds } from '@nubo/core';
import { installedNode, runtimePackageDir } from '@nubo/runtime';

/** Where a manager keeps what its workers are shown: their own directories, the unpacked code, the runtime. */
export interface SandboxDirs {
  workDir: string;
  codeCacheDir: string;
  runtimeDir: string;
  /** Removes what was made for this run (nothing of the data directory). */
  remove(): Promise<void>;
}

/** Root-owned and passable (0711), never listable or writable by others: isolated workers' files when Nubo runs as root. */
export const rootSandboxBase = '/var/lib/nubo-workers';

/**
 * The directories of one manager's workers. Isolated workers are started as uid 65534, which must
 * pass through every parent of what bubblewrap shows them; a data directory (or Nubo's install)
 * under a private directory such as /root is not passable. So a root server keeps the workers'
 * directories, the unpacked code and a copy of the runtime under /var/lib/nubo-workers/<manager>,
 * made fresh at each start (unpacked code is never trusted across a restart anyway). Otherwise
 * (not root, or no isolation) they stay in the data directory.
 */
export async function sandboxDirs(dataDir: string, managerId: string, isolated: boolean): Promise<SandboxDirs> {
  if (!isolated || process.getuid?.() !== 0) {
    const workDir = join(dataDir, 'workers');
    // Scratch directories of workers from an earlier run that did not stop cleanly.
    await rm(workDir, { recursive: true, force: true });
    return { workDir, codeCacheDir: join(dataDir, 'code-cache'), runtimeDir: runtimePackageDir, remove: async () => {} };
  }
  await mkdir(rootSandboxBase, { recursive: true });
  await chmod(rootSandboxBase, 0o711);
  const base = join(rootSandboxBase, managerId);
  await rm(base, { recursive: true, force: true });
  await mkdir(base, { mode: 0o711 });
  const runtimeDir = join(base, 'runtime');
  for (const part of ['dist', 'python']) await cp(join(runtimePackageDir, part), join(runtimeDir, part), { recursive: true });
  await showInstalledNodes(runtimeDir);
  return {
    workDir: join(base, 'workers'),
    codeCacheDir: join(base, 'code-cache'),
    runtimeDir,
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

/** The installed Node binaries (hundreds of MB): linked, not copied, where the file system allows. */
async function showInstalledNodes(runtimeDir: string): Promise<void> {
  for (const runtime of runtimeIds) {
    const [from, to] = [installedNode(runtimePackageDir, runtime), installedNode(runtimeDir, runtime)];
    if (!from || !to || !existsSync(from)) continue;
    await mkdir(dirname(to), { recursive: true });
    await link(from, to).catch(() => copyFile(from, to));
  }
}
