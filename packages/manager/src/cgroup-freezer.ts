import { existsSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const cgroupRoot = '/sys/fs/cgroup';

/** Whether this machine can freeze cgroups: v2's cgroup.freeze, or v1's freezer controller. */
export function machineCanFreeze(): boolean {
  return existsSync(join(cgroupRoot, 'cgroup.controllers')) || existsSync(join(cgroupRoot, 'freezer', 'cgroup.procs'));
}

/**
 * Stops and resumes every process of one cgroup at once: v2's `cgroup.freeze` (1/0) or v1's freezer
 * controller (`freezer.state` FROZEN/THAWED). A frozen process computes nothing until thawed; its
 * file stays open, so each change is one write.
 */
export class CgroupFreezer {
  private handle: Promise<FileHandle> | undefined;

  private constructor(
    private readonly file: string,
    private readonly values: { frozen: string; thawed: string },
  ) {}

  /** The freezer of a cgroup directory of this version (v1: its dir under the freezer controller). */
  static ofDir(version: 1 | 2, dir: string): CgroupFreezer {
    return version === 2
      ? new CgroupFreezer(join(dir, 'cgroup.freeze'), { frozen: '1', thawed: '0' })
      : new CgroupFreezer(join(dir, 'freezer.state'), { frozen: 'FROZEN', thawed: 'THAWED' });
  }

  /** The freezer of the cgroup a process is in (a container's first process), as /proc/<pid>/cgroup names it. */
  static async ofProcess(pid: number): Promise<CgroupFreezer | null> {
    const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '')).split('\n');
    if (existsSync(join(cgroupRoot, 'cgroup.controllers'))) {
      const path = lines.find((line) => line.startsWith('0::'))?.slice(3);
      return path ? CgroupFreezer.ofDir(2, join(cgroupRoot, path)) : null;
    }
    const path = lines.map((line) => line.split(':')).find(([, controllers]) => controllers?.split(',').includes('freezer'))?.[2];
    return path ? CgroupFreezer.ofDir(1, join(cgroupRoot, 'freezer', path)) : null;
  }

  freeze(): Promise<void> {
    return this.write(this.values.frozen);
  }

  thaw(): Promise<void> {
    return this.write(this.values.thawed);
  }

  private async write(value: string): Promise<void> {
    this.handle ??= open(this.file, 'r+');
    await (await this.handle).write(value, 0);
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }
}
