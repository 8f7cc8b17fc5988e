import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { copyTree } from './code-copy.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import {
  NuboError,
  WorkerInitError,
  runtimeIds,
  tcpWorkerAddress,
  unixWorkerAddress,
  type Logger,
  type RuntimeId,
  type SandboxStartRequest,
  type SandboxWorker,
  type StemKey,
  type WorkerExit,
  type WorkerFreezer,
  stemKeyOf,
} from '@nubo/core';
import {
  installedNode,
  runtimePackageDir,
  type ReadyMessage,
  type SpecialiseMessage,
  type StemCellEnvironment,
} from '@nubo/runtime';
import type { EgressPolicy } from './egress-policy.js';
import type { EgressNetwork } from './isolation/egress-network.js';
import { launchIsolated } from './isolation/isolated-launch.js';
import { relayToSocket, type SocketRelay } from './isolation/socket-relay.js';
import { runtimeLaunch } from './runtime-launch.js';
import { removeCgroupParent, type CgroupParent, type WorkerCgroup } from './isolation/worker-cgroup.js';
import { TrackedSandbox } from './tracked-sandbox.js';
import { workerEnvironment } from './worker-environment.js';
import { workerLimits } from './worker-limits.js';

const stderrTailBytes = 4096;
const startTimeoutMs = 15_000;
const MiB = 1024 * 1024;

/** How the process sandbox isolates workers (bubblewrap), or null for plain child processes. */
export interface ProcessIsolation {
  /** Where worker cgroups are made; null where the machine cannot (the heap limit is all then). */
  cgroups: CgroupParent | null;
  /** The private and link-local ranges an egress worker may not reach. */
  egress: EgressPolicy;
  /** The runtime package's files as workers are shown them (see sandboxDirs). */
  runtimeDir: string;
}

export interface ProcessSandboxOptions {
  workDir: string;
  logger: Logger;
  /**
   * The address gateways reach workers at. Unset: the gateway runs in this process and calls an
   * isolated worker on its Unix socket (a plain worker listens on 127.0.0.1).
   */
  host?: string;
  isolation: ProcessIsolation | null;
}

interface RunningWorker {
  /** Null until launched. */
  child: ChildProcess | null;
  workerDir: string;
  stderrTail: string;
  exit: WorkerExit | null;
  destroying: boolean;
  exited: Promise<WorkerExit>;
  cgroup: WorkerCgroup | null;
  egress: EgressNetwork | null;
  relay: SocketRelay | null;
  /** Where gateways call it (known once it listens). */
  address: string;
  /** A stem cell waiting for its function: the host directory its code goes into. */
  stemCodeDir: string | null;
}

/** Ends a worker and every process of its group (children it left running, even after it exited itself). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  child.kill('SIGKILL');
}

/**
 * Workers as local processes. Isolated (the default where bubblewrap works): each worker in its
 * own namespaces and cgroup as an unprivileged user, seeing only the system's read-only files, its
 * code and a private /tmp, listening on a Unix socket. Plain: a child process listening on a port,
 * with the server's user and files (single-user mode only).
 */
export class ProcessSandbox extends TrackedSandbox<RunningWorker> {
  readonly kind = 'process';
  /** Every runtime whose interpreter is installed (scripts/install-runtimes.mjs installs node22 and node24). */
  override readonly runtimes: readonly RuntimeId[] = runtimeIds.filter((runtime) => {
    const node = installedNode(runtimePackageDir, runtime);
    return node === null || existsSync(node);
  });

  readonly freezer: WorkerFreezer | null;

  constructor(private readonly options: ProcessSandboxOptions) {
    super();
    this.freezer = options.isolation?.cgroups?.freezer
      ? {
          freeze: async (workerId) => {
            await this.workers.get(workerId)?.cgroup?.freeze();
          },
          thaw: async (workerId) => {
            await this.workers.get(workerId)?.cgroup?.thaw();
          },
        }
      : null;
  }

  private get plainHost(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /**
   * A worker is a stem cell launched on its version's code and specialised at once: its secret and
   * its function's environment reach the runtime over its private IPC channel, never the
   * environment it was started with, which its code could read back in /proc/self/environ.
   */
  async start({ workerId, spec, codeDir, secret }: SandboxStartRequest): Promise<SandboxWorker> {
    const worker = await this.launchStem(workerId, stemKeyOf(spec), codeDir);
    return this.specialiseOverIpc(workerId, worker, spec, secret);
  }

  /** A stem cell: the sandbox of a worker of `key`, its runtime listening, its code directory empty. */
  async startStem(workerId: string, key: StemKey): Promise<void> {
    const codeDir = join(this.options.workDir, workerId, 'code');
    await mkdir(codeDir, { recursive: true, mode: 0o755 });
    const worker = await this.launchStem(workerId, key, codeDir);
    worker.stemCodeDir = codeDir;
  }

  /** Gives a stem cell its function: the code into its (read-only for it) code directory, then environment and secret over IPC. */
  async specialise({ workerId, spec, codeDir, secret }: SandboxStartRequest): Promise<SandboxWorker> {
    const worker = this.workers.get(workerId);
    if (!worker?.stemCodeDir || !worker.child)
      throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `${workerId} is no stem cell waiting for its function.`);
    const stemCodeDir = worker.stemCodeDir;
    worker.stemCodeDir = null;
    try {
      await copyTree(codeDir, stemCodeDir);
    } catch (err) {
      await this.destroy(workerId);
      throw err;
    }
    return this.specialiseOverIpc(workerId, worker, spec, secret);
  }

  /** Launches a runtime with no function, code (read-only) at `codeDir`, and waits until it says `stem-ready`. */
  private async launchStem(workerId: string, key: StemKey, codeDir: string): Promise<RunningWorker> {
    const env: StemCellEnvironment = {
      NUBO_STEM_CELL: '1',
      NUBO_MEMORY_MB: String(key.memoryMb),
      ...(this.options.isolation ? {} : { NUBO_CODE_DIR: codeDir, NUBO_RUNTIME_HOST: this.plainHost }),
    };
    const { worker, ready } = await this.launch(workerId, key, codeDir, { ...env });
    if (ready.type !== 'stem-ready') {
      await this.destroy(workerId);
      throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `The runtime answered ${ready.type} instead of stem-ready.`);
    }
    return worker;
  }

  /** The one control message: the function's environment and the worker's secret; answers once the handler loaded. */
  private async specialiseOverIpc(
    workerId: string,
    worker: RunningWorker,
    spec: SandboxStartRequest['spec'],
    secret: string,
  ): Promise<SandboxWorker> {
    try {
      if (!worker.child) throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `${workerId} has no runtime to specialise.`);
      const ready = this.nextMessage(worker.child, worker);
      const message: SpecialiseMessage = { type: 'specialise', env: { ...spec.env, ...workerEnvironment(spec, secret, {}) } };
      worker.child.send(message);
      readyOrThrow(await ready);
      return { workerId, address: worker.address };
    } catch (err) {
      await this.destroy(workerId);
      throw err;
    }
  }

  /** Starts the runtime of a worker or stem cell in its sandbox and waits for its first message. */
  private async launch(
    workerId: string,
    key: StemKey,
    codeDir: string,
    runtimeEnv: Record<string, string>,
  ): Promise<{ worker: RunningWorker; ready: ReadyMessage }> {
    const workerDir = join(this.options.workDir, workerId);
    await mkdir(workerDir, { recursive: true });
    const isolation = this.options.isolation;
    const { command, args: interpreterArgs, script, binds } = runtimeLaunch(key, isolation?.runtimeDir);
    const tmp = isolation ? '/tmp' : workerDir;
    const env = { ...runtimeEnv, PATH: '/usr/local/bin:/usr/bin:/bin', HOME: tmp, TMPDIR: tmp, LANG: 'C.UTF-8' };
    const worker: RunningWorker = {
      child: null,
      workerDir,
      stderrTail: '',
      exit: null,
      destroying: false,
      exited: Promise.resolve(null as never),
      cgroup: null,
      egress: null,
      relay: null,
      address: '',
      stemCodeDir: null,
    };
    this.workers.set(workerId, worker);
    try {
      if (isolation) {
        const launched = await launchIsolated({
          workerDir,
          codeDir,
          runtimeDir: isolation.runtimeDir,
          // Inside the sandbox nothing searches PATH for it.
          command: command === 'python3' ? '/usr/bin/python3' : command,
          script,
          interpreterArgs,
          binds,
          env,
          network: key.network,
          egressPolicy: isolation.egress,
          cgroups: isolation.cgroups,
          cgroupName: workerId,
          limits: { memoryBytes: key.memoryMb * MiB, pids: workerLimits.pids, cpuShares: workerLimits.cpuShares },
          onStderr: (text) => keepStderr(worker, text),
        });
        Object.assign(worker, { child: launched.child, cgroup: launched.cgroup, egress: launched.egress });
        this.watch(workerId, launched.child, worker);
        const ready = await this.nextMessage(launched.child, worker);
        if (this.options.host) {
          worker.relay = await relayToSocket(this.options.host, launched.socketPath);
          worker.address = tcpWorkerAddress(this.options.host, worker.relay.port);
        } else worker.address = unixWorkerAddress(launched.socketPath);
        return { worker, ready };
      }
      const child = spawn(command, [...interpreterArgs, script], {
        cwd: codeDir,
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        // Its own process group, so destroying the worker also ends what its function started in the background.
        detached: true,
        env,
      });
      worker.child = child;
      child.stderr?.setEncoding('utf8').on('data', (text: string) => keepStderr(worker, text));
      this.watch(workerId, child, worker);
      const ready = await this.nextMessage(child, worker);
      worker.address = tcpWorkerAddress(this.plainHost, ready.port);
      return { worker, ready };
    } catch (err) {
      await this.destroy(workerId);
      throw err;
    }
  }

  private watch(workerId: string, child: ChildProcess, worker: RunningWorker): void {
    worker.exited = new Promise((resolve) => {
      child.once('exit', async (code, signal) => {
        const oomKilled = (await worker.cgroup?.oomKilled()) ?? false;
        worker.exit = {
          exitedByItself: true,
          oom: oomKilled || /heap out of memory|Reached heap limit|MemoryError/i.test(worker.stderrTail),
          exitCode: code,
          signal,
          stderrTail: worker.stderrTail,
        };
        resolve(worker.exit);
        if (this.workers.get(workerId) === worker && !worker.destroying) {
          this.reportUnexpectedExit(workerId, worker.exit);
        }
      });
    });
  }

  /** The runtime's next message (ready, stem-ready or init-error), or why it never came. */
  private nextMessage(child: ChildProcess, worker: RunningWorker): Promise<ReadyMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new NuboError('NUBO_ERR_WORKER_START_FAILED', `The worker did not become ready within ${startTimeoutMs} ms.`)),
        startTimeoutMs,
      );
      child.once('message', (message: ReadyMessage) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new NuboError('NUBO_ERR_WORKER_START_FAILED', `Cannot start the worker process: ${err.message}.`));
      });
      void worker.exited.then((exit) => {
        clearTimeout(timer);
        const oom = exit.oom ? ' (out of memory while loading)' : '';
        reject(
          new WorkerInitError({
            type: 'Runtime.ExitError',
            message: `The worker exited while loading the function${oom}: ${exit.stderrTail.trim().slice(-1000) || `exit code ${exit.exitCode}`}`,
          }),
        );
      });
    });
  }

  override async destroyAll(): Promise<void> {
    await super.destroyAll();
    const cgroups = this.options.isolation?.cgroups;
    if (cgroups) await removeCgroupParent(cgroups);
  }

  async destroy(workerId: string, options: { graceMs?: number } = {}): Promise<WorkerExit | null> {
    const worker = this.workers.get(workerId);
    if (!worker) return null;
    worker.destroying = true;
    let exit = worker.exit;
    if (worker.child) {
      if (!exit && options.graceMs) {
        exit = await Promise.race([
          worker.exited,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), options.graceMs).unref()),
        ]);
      }
      killGroup(worker.child);
      if (!exit) exit = { ...(await worker.exited), exitedByItself: false };
    }
    worker.relay?.close();
    worker.egress?.close();
    await worker.cgroup?.destroy();
    this.workers.delete(workerId);
    await rm(worker.workerDir, { recursive: true, force: true });
    return exit;
  }
}

function keepStderr(worker: RunningWorker, text: string): void {
  worker.stderrTail = (worker.stderrTail + text).slice(-stderrTailBytes);
}

/** A ready runtime's message, or the handler's init error. */
function readyOrThrow(ready: ReadyMessage): void {
  if (ready.type === 'init-error') throw new WorkerInitError({ type: ready.error.type, message: ready.error.message });
  if (ready.type !== 'ready')
    throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `The runtime answered ${ready.type} instead of ready.`);
}
