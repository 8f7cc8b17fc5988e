import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: its own CPU and that of its children it has waited for. */
  ticks: number;
  /** utime + stime: its own CPU alone. */
  selfTicks: number;
}

function readStat(pid: string): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return { pid: Number(pid), ppid: Number(fields[1]), ticks: utime! + stime! + cutime! + cstime!, selfTicks: utime! + stime! };
  } catch {
    return null; // it ended while we looked
  }
}

/** CPU seconds used so far by a process and every process below it (a server and its workers). */
export function treeCpuSeconds(rootPid: number): number {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(readStat)
    .filter((stat): stat is ProcStat => stat !== null);
  const children = new Map<number, ProcStat[]>();
  for (const stat of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  let ticks = 0;
  const stack = all.filter((stat) => stat.pid === rootPid);
  while (stack.length > 0) {
    const stat = stack.pop()!;
    ticks += stat.ticks;
    stack.push(...(children.get(stat.pid) ?? []));
  }
  return ticks / ticksPerSecond;
}

/** CPU seconds used so far by one process alone (utime + stime). */
export function processCpuSeconds(pid: number): number {
  const stat = readStat(String(pid));
  if (!stat) throw new Error(`process ${pid} is gone`);
  return stat.selfTicks / ticksPerSecond;
}

/** Every process's CPU ticks so far, with its parent and name: take two and diff them with `cpuSharesBetween`. */
export function cpuSnapshot(): { at: number; stats: Map<number, ProcStat & { name: string }> } {
  const stats = new Map<number, ProcStat & { name: string }>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const stat = readStat(pid);
    if (!stat) continue;
    let name = '';
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    stats.set(stat.pid, { ...stat, name });
  }
  return { at: performance.now(), stats };
}

/**
 * Cores each group of processes kept busy between two snapshots: a named group is some processes
 * and every process below them; the rest is grouped by process name.
 */
export function cpuSharesBetween(
  before: ReturnType<typeof cpuSnapshot>,
  after: ReturnType<typeof cpuSnapshot>,
  groups: Record<string, number[]>,
): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  const groupOf = new Map<number, string>();
  const label = (pid: number): string => {
    const known = groupOf.get(pid);
    if (known) return known;
    const named = Object.entries(groups).find(([, roots]) => roots.includes(pid))?.[0];
    const stat = after.stats.get(pid);
    const parent = stat && stat.ppid > 1 ? label(stat.ppid) : undefined;
    const found = named ?? (parent && parent in groups ? parent : (stat?.name ?? '?'));
    groupOf.set(pid, found);
    return found;
  };
  const shares: Record<string, number> = {};
  for (const [pid, stat] of after.stats) {
    // Each process's own CPU: a parent's count of children it waited for would count them twice.
    const ticks = stat.selfTicks - (before.stats.get(pid)?.selfTicks ?? 0);
    if (ticks <= 0) continue;
    const group = label(pid);
    shares[group] = (shares[group] ?? 0) + ticks / ticksPerSecond / seconds;
  }
  return shares;
}

/**
 * CPU seconds the processes below `rootPid` (not itself) used between two snapshots, each process's
 * own time only: one that ended in between takes its count with it rather than making the sum negative.
 */
export function descendantsCpuSecondsBetween(
  before: ReturnType<typeof cpuSnapshot>,
  after: ReturnType<typeof cpuSnapshot>,
  rootPid: number,
): number {
  const below = (pid: number): boolean => {
    const parent = after.stats.get(pid)?.ppid;
    return parent !== undefined && parent > 1 && (parent === rootPid || below(parent));
  };
  let ticks = 0;
  for (const [pid, stat] of after.stats)
    if (below(pid)) ticks += Math.max(0, stat.selfTicks - (before.stats.get(pid)?.selfTicks ?? 0));
  return ticks / ticksPerSecond;
}

/** "gateway 0.95, redis-server 0.31, …" — the busiest first. */
export function formatShares(shares: Record<string, number>): string {
  const total = Object.values(shares).reduce((sum, cores) => sum + cores, 0);
  const top = Object.entries(shares)
    .sort(([, a], [, b]) => b - a)
    .filter(([, cores]) => cores >= 0.02)
    .map(([group, cores]) => `${group} ${cores.toFixed(2)}`);
  return `${total.toFixed(2)} cores busy: ${top.join(', ')}`;
}
