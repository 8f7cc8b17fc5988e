import { readdirSync, readFileSync } from 'node:fs';

/**
 * Host pids of the processes whose cgroup path contains `pathPart`: an isolated worker's processes
 * are all in its cgroup (`…/nubo-<managerId>/<workerId>`), whatever pids they see in their own
 * PID namespace.
 */
export function processesInCgroup(pathPart: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cgroups: string;
    try {
      cgroups = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
    } catch {
      continue; // It ended while we looked.
    }
    if (cgroups.split('\n').some((line) => line.includes(pathPart))) found.push(Number(entry));
  }
  return found;
}

/** Every process of this manager's workers. */
export const managerWorkerProcesses = (managerId: string) => processesInCgroup(`/nubo-${managerId}/`);
/** Every process of one worker. */
export const workerProcesses = (workerId: string) => processesInCgroup(`/${workerId}`);
