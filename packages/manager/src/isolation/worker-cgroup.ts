import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupFreezer } from '../cgroup-freezer.js';

const cgroupRoot = '/sys/fs/cgroup';
const v1Controllers = ['memory', 'pids', 'cpu'] as const;
/** Optional in v1: without it, idle workers are not frozen. */
const freezerController = 'freezer';

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
  cpuShares: number;
}

/** Where a manager's worker groups are made: its parent group in cgroup v1 or v2. */
export interface CgroupParent {
  version: 1 | 2;
  parent: string;
  /** Whether worker groups can be frozen (always in v2; in v1 where the freezer controller is mounted). */
  freezer: boolean;
}

/** Which cgroup hierarchy the machine has, and whether this process may create groups in it. */
export type CgroupSupport = CgroupParent | { version: null; reason: string };

/**
 * Finds where worker groups can be made: cgroup v2 (unified) or v1 (memory, pids and cpu
 * controllers), under a `nubo` group of this name. Answers why not when it cannot.
 */
export async function detectCgroups(groupName: string): Promise<CgroupSupport> {
  const unified = existsSync(join(cgroupRoot, 'cgroup.controllers'));
  try {
    if (unified) {
      const parent = join(cgroupRoot, groupName);
      await mkdir(parent, { recursive: true });
      await writeFile(join(cgroupRoot, 'cgroup.subtree_control'), '+memory +pids +cpu').catch(() => undefined);
      await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
      return { version: 2, parent, freezer: true };
    }
    for (const controller of v1Controllers) {
      if (!existsSync(join(cgroupRoot, controller, 'cgroup.procs')))
        return { version: null, reason: `the cgroup v1 ${controller} controller is not mounted at ${cgroupRoot}/${controller}` };
      await mkdir(join(cgroupRoot, controller, groupName), { recursive: true });
    }
    const freezer = existsSync(join(cgroupRoot, freezerController, 'cgroup.procs'));
    if (freezer) await mkdir(join(cgroupRoot, freezerController, groupName), { recursive: true });
    return { version: 1, parent: groupName, freezer };
  } catch (err) {
    return {
      version: null,
      reason: `cannot create cgroups (${(err as Error).message}); run the server as root or delegate a cgroup to it`,
    };
  }
}

/**
 * One worker's control group: memory (without swap), pids and CPU weight for every process of the
 * worker together, and the way to end them all and tell whether the kernel killed one for memory.
 */
export class WorkerCgroup {
  private constructor(
    private readonly support: CgroupParent,
    private readonly dirs: string[],
    /** Null where the machine cannot freeze groups. */
    private readonly freezer: CgroupFreezer | null,
  ) {}

  static async create(support: CgroupParent, name: string, limits: CgroupLimits): Promise<WorkerCgroup> {
    if (support.version === 2) {
      const dir = join(support.parent, name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'memory.max'), String(limits.memoryBytes));
      await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
      await writeFile(join(dir, 'pids.max'), String(limits.pids));
      // cpu.weight is 1..10000 around 100; v1 shares are around 1024.
      await writeFile(join(dir, 'cpu.weight'), String(Math.max(1, Math.round((limits.cpuShares * 100) / 1024))));
      return new WorkerCgroup(support, [dir], CgroupFreezer.ofDir(2, dir));
    }
    const dir = (controller: string) => join(cgroupRoot, controller, support.parent, name);
    const dirs = [...v1Controllers, ...(support.freezer ? [freezerController] : [])].map(dir);
    for (const d of dirs) await mkdir(d, { recursive: true });
    await writeFile(join(dir('memory'), 'memory.limit_in_bytes'), String(limits.memoryBytes));
    // Without swap accounting the kernel has no memsw files; the memory limit alone still holds.
    await writeFile(join(dir('memory'), 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)).catch(() => undefined);
    await writeFile(join(dir('pids'), 'pids.max'), String(limits.pids));
    await writeFile(join(dir('cpu'), 'cpu.shares'), String(limits.cpuShares));
    return new WorkerCgroup(support, dirs, support.freezer ? CgroupFreezer.ofDir(1, dir(freezerController)) : null);
  }

  /** Stops every process of the group until `thaw`; false where the machine cannot freeze. */
  async freeze(): Promise<boolean> {
    await this.freezer?.freeze();
    return this.freezer !== null;
  }

  async thaw(): Promise<void> {
    await this.freezer?.thaw();
  }

  /** Moves a process (and so everything it starts afterwards) into the group. */
  async add(pid: number): Promise<void> {
    for (const dir of this.dirs) await writeFile(join(dir, 'cgroup.procs'), String(pid));
  }

  /** Whether the kernel's OOM killer ended a process of this group. */
  async oomKilled(): Promise<boolean> {
    const file = this.support.version === 2 ? join(this.dirs[0]!, 'memory.events') : join(this.dirs[0]!, 'memory.oom_control');
    const text = await readFile(file, 'utf8').catch(() => '');
    return Number(/oom_kill (\d+)/.exec(text)?.[1] ?? 0) > 0;
  }

  /** Kills every process of the group, waits until it is empty, and removes it. */
  async destroy(): Promise<void> {
    // A frozen process takes no signal until it is thawed (v1).
    await this.freezer?.thaw().catch(() => undefined);
    await this.freezer?.close();
    await killAndRemove(this.dirs);
  }
}

async function groupPids(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

async function killAndRemove(dirs: string[]): Promise<void> {
  for (let round = 0; round < 100; round++) {
    const left = await groupPids(dirs[0]!);
    if (left.length === 0) break;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await sleep(10);
  }
  for (const dir of dirs) await rmdir(dir).catch(() => undefined);
}

/** The manager's parent group: one directory in v2, one per controller in v1. */
function parentDirs(support: CgroupParent): string[] {
  if (support.version === 2) return [support.parent];
  return [...v1Controllers, ...(support.freezer ? [freezerController] : [])].map((c) => join(cgroupRoot, c, support.parent));
}

/** Removes this manager's (empty) parent group once its workers are gone. */
export async function removeCgroupParent(support: CgroupParent): Promise<void> {
  for (const dir of parentDirs(support)) await rmdir(dir).catch(() => undefined);
}

/** Ends and removes worker groups an earlier run left (a server killed with SIGKILL cannot remove its own). */
export async function removeLeftoverCgroups(support: CgroupParent): Promise<number> {
  const parents = parentDirs(support);
  const names = new Set<string>();
  for (const parent of parents)
    for (const entry of await readdir(parent, { withFileTypes: true }).catch(() => []))
      if (entry.isDirectory()) names.add(entry.name);
  for (const name of names) {
    // A group left frozen takes no signal until it is thawed.
    if (support.freezer) {
      const left = CgroupFreezer.ofDir(support.version, join(parents.at(-1)!, name));
      await left.thaw().catch(() => undefined);
      await left.close();
    }
    await killAndRemove(parents.map((p) => join(p, name)));
  }
  return names.size;
}
