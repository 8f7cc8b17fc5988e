import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { NuboError, type NetworkAccess } from '@nubo/core';
import { runtimePackageDir } from '@nubo/runtime';
import { sandboxUser } from '../worker-limits.js';
import { bubblewrapArguments, sandboxPaths } from './bubblewrap.js';
import type { EgressPolicy } from '../egress-policy.js';
import { attachEgress, egressResolvConf, type EgressNetwork } from './egress-network.js';
import { WorkerCgroup, type CgroupLimits, type CgroupParent } from './worker-cgroup.js';

const infoFd = 4;
const blockFd = 5;
const tmpBytes = 64 * 1024 * 1024;
/** Room for the runtime's socket, and nothing else a function could fill. */
const socketDirBytes = 64 * 1024;

export interface IsolatedLaunchRequest {
  /** The worker's own host directory (removed with the worker). */
  workerDir: string;
  codeDir: string;
  /** The runtime package's files (scripts are found by their place in it). */
  runtimeDir: string;
  /** The interpreter and the runtime script, as host paths. */
  command: string;
  script: string;
  /** Arguments between the interpreter and the script. */
  interpreterArgs: string[];
  /** Host files shown read-only in place of others: [host path, sandbox path]. */
  binds?: [string, string][];
  env: Record<string, string>;
  network: NetworkAccess;
  /** Applied to an egress worker's namespace before anything of it runs. */
  egressPolicy: EgressPolicy;
  cgroups: CgroupParent | null;
  cgroupName: string;
  limits: CgroupLimits;
  /** Gets everything the sandbox writes to stderr, from its first byte (bubblewrap's own errors too). */
  onStderr: (text: string) => void;
}

export interface IsolatedWorker {
  child: ChildProcess;
  /** Host path of the Unix socket the runtime listens on: inside the sandbox's own root, through /proc. */
  socketPath: string;
  cgroup: WorkerCgroup | null;
  egress: EgressNetwork | null;
}

const interpreterDirs = new Map<string, string | null>();

/** The install directory of an interpreter outside /usr (e.g. Node in /opt/node), shown at the same place; looked up once. */
function interpreterDir(command: string): string | null {
  let dir = interpreterDirs.get(command);
  if (dir === undefined) {
    const real = realpathSync(command);
    dir = real.startsWith('/usr/') ? null : dirname(dirname(real));
    interpreterDirs.set(command, dir);
  }
  return dir;
}

/** Where a runtime script (a path in the runtime package) appears inside the sandbox. */
export function scriptInSandbox(script: string): string {
  return join(sandboxPaths.runtime, relative(runtimePackageDir, script));
}

export interface SandboxSpawn {
  codeDir: string;
  runtimeDir: string;
  resolvConf?: string;
  /** The command inside the sandbox: an interpreter (host path) and its arguments. */
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Whether fd 3 is a Node IPC channel (the runtime's ready message). */
  ipc: boolean;
  binds?: [string, string][];
}

/**
 * Spawns bubblewrap for one sandbox. As root, bubblewrap itself runs as the unprivileged user (user
 * namespaces need no privilege), so the worker's processes are nobody on the host too, not a root
 * mapped to an unprivileged id.
 */
export function spawnBubblewrap(request: SandboxSpawn): ChildProcess {
  const args = bubblewrapArguments({
    codeDir: request.codeDir,
    runtimeDir: request.runtimeDir,
    socketDirBytes,
    interpreterDir: interpreterDir(request.command),
    ...(request.resolvConf ? { resolvConf: request.resolvConf } : {}),
    binds: request.binds ?? [],
    tmpBytes,
    infoFd,
    blockFd,
  });
  const asRoot = process.getuid?.() === 0;
  const child = spawn('bwrap', [...args, request.command, ...request.args], {
    stdio: ['ignore', 'ignore', 'pipe', request.ipc ? 'ipc' : 'ignore', 'pipe', 'pipe'],
    // Its own process group, so destroying the worker ends bubblewrap and, with it, the sandbox.
    detached: true,
    ...(asRoot ? { uid: sandboxUser.uid, gid: sandboxUser.gid } : {}),
    env: request.env,
  });
  // A sandbox that fails early closes its pipes under us; its exit tells what happened.
  for (const stream of child.stdio) stream?.on('error', () => undefined);
  return child;
}

/** Where the host reaches a sandbox's socket: in its own tmpfs, through its root as /proc shows it. */
export function socketPathOf(sandboxPid: number): string {
  return `/proc/${sandboxPid}/root${sandboxPaths.socket}`;
}

/** Releases a sandbox bubblewrap holds at --block-fd. */
export function releaseSandbox(child: ChildProcess): void {
  (child.stdio as unknown as (Writable | null)[])[blockFd]?.end('go');
}

function readInfo(child: ChildProcess): Promise<{ 'child-pid': number }> {
  const stream = (child.stdio as unknown as (Readable | null)[])[infoFd]!;
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      try {
        resolve(JSON.parse(text));
      } catch {
        // Not the whole document yet.
      }
    });
    stream.once('end', () => reject(new Error(`bubblewrap ended before it told its sandbox's pid: ${text}`)));
    child.once('error', reject);
  });
}

/**
 * Starts a runtime under bubblewrap: the sandbox is made, then (while bubblewrap holds it before
 * running anything of the function) put into its cgroup and given its network, then released.
 */
export async function launchIsolated(request: IsolatedLaunchRequest): Promise<IsolatedWorker> {
  let resolvConf: string | undefined;
  if (request.network === 'egress') {
    resolvConf = join(request.workerDir, 'resolv.conf');
    await writeFile(resolvConf, egressResolvConf);
  }
  const child = spawnBubblewrap({
    codeDir: request.codeDir,
    runtimeDir: request.runtimeDir,
    ...(resolvConf ? { resolvConf } : {}),
    command: request.command,
    args: [...request.interpreterArgs, scriptInSandbox(request.script)],
    env: { ...request.env, NUBO_CODE_DIR: sandboxPaths.code, NUBO_RUNTIME_SOCKET: sandboxPaths.socket },
    ipc: true,
    ...(request.binds ? { binds: request.binds } : {}),
  });
  const worker: IsolatedWorker = { child, socketPath: '', cgroup: null, egress: null };
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-2000);
    request.onStderr(text);
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  try {
    const sandboxPid = (await readInfo(child))['child-pid'];
    worker.socketPath = socketPathOf(sandboxPid);
    const cgroups = request.cgroups;
    // Both at once; settled before any failure is raised, so the clean-up below sees all they made.
    const setUp = await Promise.allSettled([
      cgroups &&
        WorkerCgroup.create(cgroups, request.cgroupName, request.limits).then((cgroup) => {
          worker.cgroup = cgroup;
          return cgroup.add(sandboxPid);
        }),
      request.network === 'egress' &&
        attachEgress(sandboxPid).then(async (egress) => {
          worker.egress = egress;
          await request.egressPolicy.applyTo(sandboxPid);
        }),
    ]);
    for (const step of setUp) if (step.status === 'rejected') throw step.reason;
    releaseSandbox(child);
    return worker;
  } catch (err) {
    child.kill('SIGKILL');
    worker.egress?.close();
    await worker.cgroup?.destroy();
    // What bubblewrap said is the real reason when its sandbox died during the set-up.
    await closed;
    const said = stderr.trim() ? ` (${stderr.trim()})` : '';
    throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `Cannot start the isolated worker: ${(err as Error).message}${said}`);
  }
}
