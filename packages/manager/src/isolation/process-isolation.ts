import { NuboError, type Logger } from '@nubo/core';
import type { EgressPolicy } from '../egress-policy.js';
import type { ProcessIsolation } from '../process-sandbox.js';
import { probeIsolation } from './isolation-probe.js';
import type { SandboxDirs } from './sandbox-dirs.js';
import { detectCgroups, removeLeftoverCgroups } from './worker-cgroup.js';

export type IsolationMode = 'auto' | 'required' | 'off';

export interface IsolationDecision {
  /** How to isolate, or null for plain processes. */
  isolation: ProcessIsolation | null;
  /** Why workers are not isolated (so only the admin may use this Nubo); null when they are. */
  notIsolatedReason: string | null;
}

/**
 * Decides how the process sandbox runs workers on this machine, and says so at start-up: isolated
 * when bubblewrap works (with cgroups where this process may make them), else, in `auto`, plain
 * processes for a single user; `required` refuses to start instead.
 */
export async function decideIsolation(
  options: { mode: IsolationMode; managerId: string; dirs: Omit<SandboxDirs, 'remove'>; egress: EgressPolicy },
  logger: Logger,
): Promise<IsolationDecision> {
  const { mode, managerId } = options;
  if (mode === 'off') {
    logger.warn(
      "NUBO_ISOLATION=off: functions run as plain processes with this server's user and files, so only the admin may use this Nubo",
    );
    return { isolation: null, notIsolatedReason: 'NUBO_ISOLATION=off' };
  }
  const probe = await probeIsolation(options.dirs);
  if (!probe.ok) {
    if (mode === 'required')
      throw new NuboError(
        'NUBO_ERR_CONFIG_INVALID',
        `NUBO_ISOLATION=required but ${probe.reason}. Install bubblewrap and slirp4netns (scripts/install-isolation.sh) or use NUBO_SANDBOX=docker.`,
      );
    logger.warn(
      { reason: probe.reason },
      `WORKERS ARE NOT ISOLATED: ${probe.reason}. Functions would run with this server's user and files, so only the admin may use this Nubo. Install bubblewrap and slirp4netns (scripts/install-isolation.sh) and restart to allow other users.`,
    );
    return { isolation: null, notIsolatedReason: probe.reason };
  }
  const cgroups = await detectCgroups(`nubo-${managerId}`);
  if (cgroups.version === null) {
    logger.warn(
      { reason: cgroups.reason },
      `worker memory, process and CPU limits cannot be enforced here (${cgroups.reason}): only Node's heap limit applies and Python gets none`,
    );
    return { isolation: { cgroups: null, runtimeDir: options.dirs.runtimeDir, egress: options.egress }, notIsolatedReason: null };
  }
  const leftover = await removeLeftoverCgroups(cgroups);
  if (leftover > 0) logger.warn({ removed: leftover }, 'ended the worker cgroups an earlier run of this manager left');
  logger.info({ cgroup: cgroups.version }, `workers isolated with bubblewrap, limits through cgroup v${cgroups.version}`);
  return { isolation: { cgroups, runtimeDir: options.dirs.runtimeDir, egress: options.egress }, notIsolatedReason: null };
}
