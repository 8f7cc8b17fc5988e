import { runtimeOf, type RuntimeFamily, type StemKey } from '@nubo/core';
import { installedNode, nodeRuntimeScript, pythonRuntimeScript, runtimePackageDir } from '@nubo/runtime';

/** How the process sandbox starts one kind of worker: the interpreter, its arguments, and the runtime server's script. */
export interface RuntimeLaunch {
  command: string;
  args: string[];
  script: string;
  /** Host files an isolated worker sees in place of others (read-only): [host path, sandbox path]. */
  binds: [string, string][];
}

const launchers: Record<RuntimeFamily, (key: StemKey, runtimeDir: string) => RuntimeLaunch> = {
  // Node's heap limit also gives a clear "out of memory" message; the cgroup limits everything else.
  node: (key, runtimeDir) => ({
    command: installedNode(runtimeDir, key.runtime) ?? process.execPath,
    args: [`--max-old-space-size=${key.memoryMb}`],
    script: nodeRuntimeScript,
    binds: [],
  }),
  python: () => ({ command: 'python3', args: ['-u'], script: pythonRuntimeScript, binds: [] }),
  // The Runtime API runs in the newest installed Node; the function's bootstrap is its child. Its
  // /bin/sh is bash, as on Amazon Linux (AWS's shell bootstraps use `set -o pipefail`).
  provided: (_key, runtimeDir) => ({
    command: installedNode(runtimeDir, 'node24') ?? process.execPath,
    args: [],
    script: nodeRuntimeScript,
    binds: [['/usr/bin/bash', '/usr/bin/sh']],
  }),
};

/** The process sandbox's launch of a worker of `key`'s kind; `runtimeDir` holds the installed Node.js releases. */
export function runtimeLaunch(key: StemKey, runtimeDir = runtimePackageDir): RuntimeLaunch {
  return launchers[runtimeOf(key.runtime).family](key, runtimeDir);
}
