import { sandboxUser } from '../worker-limits.js';
import { lstatSync, readlinkSync } from 'node:fs';

/** Where things appear inside an isolated worker; the code directory is Lambda's. */
export const sandboxPaths = {
  code: '/var/task',
  runtime: '/opt/nubo/runtime',
  socketDir: '/run/nubo',
  socket: '/run/nubo/worker.sock',
} as const;

/**
 * What bubblewrap shows a worker: host paths, which the unprivileged user bubblewrap runs as must
 * be able to reach (no private parent directory on the way).
 */
export interface BubblewrapOptions {
  codeDir: string;
  /** The runtime's files, shown read-only at sandboxPaths.runtime. */
  runtimeDir: string;
  /** The size of the sandbox's own small tmpfs where the runtime creates its socket (reached as /proc/<pid>/root/…). */
  socketDirBytes: number;
  /** Where the runtime's interpreter is installed outside /usr (e.g. a Node in /opt/node), shown read-only there. */
  interpreterDir: string | null;
  /** A file to show as /etc/resolv.conf (the egress network's DNS); none without network. */
  resolvConf?: string;
  /** Host files shown read-only in place of system ones: [host path, sandbox path]. */
  binds: [string, string][];
  tmpBytes: number;
  /** For its --info-fd and --block-fd. */
  infoFd: number;
  blockFd: number;
}

/** The system directories every worker sees read-only: the dynamic linker, libraries, interpreters. */
const systemDirs = ['/usr', '/etc/ssl', '/etc/ca-certificates', '/etc/alternatives', '/etc/localtime'];
/** Top-level system directories: links into /usr on merged-/usr systems (Debian 12 and later), else directories. */
const topLevelDirs = ['/bin', '/lib', '/lib64', '/sbin'];

function topLevelArguments(): string[] {
  const args: string[] = [];
  for (const dir of topLevelDirs) {
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat?.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

/**
 * bubblewrap's arguments for one worker: new user, PID, mount, IPC, UTS, cgroup and network
 * namespaces, every capability dropped, the host's files invisible except the system directories
 * and the function's code (both read-only), a private /tmp, and the worker's socket directory.
 * The sandbox dies with the process that started it.
 */
export function bubblewrapArguments(options: BubblewrapOptions): string[] {
  const args = [
    '--unshare-all',
    '--uid',
    String(sandboxUser.uid),
    '--gid',
    String(sandboxUser.gid),
    '--hostname',
    'nubo-worker',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--info-fd',
    String(options.infoFd),
    '--block-fd',
    String(options.blockFd),
  ];
  for (const dir of systemDirs) args.push('--ro-bind-try', dir, dir);
  args.push(...topLevelArguments());
  if (options.interpreterDir) args.push('--ro-bind', options.interpreterDir, options.interpreterDir);
  if (options.resolvConf) args.push('--ro-bind', options.resolvConf, '/etc/resolv.conf');
  for (const [host, inside] of options.binds) args.push('--ro-bind', host, inside);
  args.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(options.tmpBytes),
    '--tmpfs',
    '/tmp',
    '--ro-bind',
    options.codeDir,
    sandboxPaths.code,
    '--ro-bind',
    options.runtimeDir,
    sandboxPaths.runtime,
    // Its socket's directory is a tmpfs of the sandbox's own (bounded, charged to its memory), never the host's disk.
    '--size',
    String(options.socketDirBytes),
    '--tmpfs',
    sandboxPaths.socketDir,
    '--chdir',
    sandboxPaths.code,
  );
  return args;
}
