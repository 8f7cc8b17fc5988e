import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import {
  NuboError,
  WorkerInitError,
  stemKeyOf,
  tcpWorkerAddress,
  unixWorkerAddress,
  type Logger,
  type RuntimeId,
  type SandboxStartRequest,
  type SandboxWorker,
  type StemKey,
  type WorkerExit,
  type WorkerFreezer,
} from '@nubo/core';
import type { HealthReply, StemCellEnvironment } from '@nubo/runtime';
import { CgroupFreezer, machineCanFreeze } from '../cgroup-freezer.js';
import { copyTree } from '../code-copy.js';
import type { EgressPolicy } from '../egress-policy.js';
import { TrackedSandbox } from '../tracked-sandbox.js';
import { workerEnvironment } from '../worker-environment.js';
import { relayToSocket, type SocketRelay } from '../isolation/socket-relay.js';
import { callRuntime, runtimeListens } from '../runtime-calls.js';
import { containerSocketDir, containerSpecOf, isOffline } from './container-spec.js';
import { followContainerEvents } from './container-events.js';
import { assertEngineReachable, ensureWorkerNetwork, removeOrphans, warnOfMissingImages } from './engine-setup.js';
import { HostPorts } from './host-ports.js';
import { defaultImages } from './runtime-images.js';

const startTimeoutMs = 20_000;

export interface DockerSandboxOptions {
  docker: Docker;
  managerId: string;
  /** The host IP each container's runtime port is published on: the seed's IP of IP:Port. */
  advertiseIp: string;
  /** Where stem cells get the host directory their code is copied into (bound read-only at /code). */
  workDir: string;
  /**
   * Whether gateways run elsewhere: a worker without network is then reached through a relay port
   * on advertiseIp, else (embedded) on its socket.
   */
  relaySockets: boolean;
  ports: { from: number; to: number };
  /** The private and link-local ranges an egress container may not reach. */
  egress: EgressPolicy;
  images?: Partial<Record<RuntimeId, string>>;
  logger: Logger;
  /** Told where each start spent its time (the cold-start benchmark listens). */
  onStartTimings?: (timings: StartTimings) => void;
}

export interface StartTimings {
  createMs: number;
  startMs: number;
  readyMs: number;
}

interface RunningContainer {
  containerId: string;
  /** Null for a worker without network (reached on its socket). */
  hostPort: number | null;
  destroying: boolean;
  relay: SocketRelay | null;
  /** Where the runtime listens (its socket or published port), and where gateways call it (a relay's port, or the same). */
  runtimeAddress: string;
  address: string;
  /** A stem cell waiting for its function: the host directory bound at /code, and the token of its one control call. */
  stemCodeDir: string | null;
  stemToken: string | null;
  /** Docker announced an OOM kill in the container ('oom' event). */
  outOfMemory: boolean;
  /** Its cgroup's freezer (written directly: docker pause takes a round trip through the engine and runc). */
  freezer: CgroupFreezer | null;
  /** Waits for that announcement (destroy, after an exit by SIGKILL). */
  onOutOfMemory?: () => void;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: Docker frames each log line with a binary header
const dockerLogFraming = /[\x00-\x08]/g;
/** A runtime whose connection broke while it loaded its handler gets this long to be seen ended. */
const crashGraceMs = 2000;
/** The exit code of a process ended by SIGKILL, which the kernel's OOM killer sends. */
const killedExitCode = 137;

/**
 * Workers as hardened containers: non-root, no capabilities, no-new-privileges, read-only root
 * with a small tmpfs /tmp, the code mounted read-only, memory limit with swap equal to it, CPU
 * shares, pids and nofile limits, never privileged, never the host network, on a bridge network
 * without inter-container traffic. Each runtime port is published on the manager's advertise IP.
 */
export class DockerSandbox extends TrackedSandbox<RunningContainer> {
  readonly kind = 'docker';
  private readonly ports: HostPorts;
  private events: NodeJS.ReadableStream | undefined;
  readonly freezer: WorkerFreezer | null;

  private constructor(private readonly options: DockerSandboxOptions) {
    super();
    this.ports = new HostPorts(options.ports);
    this.freezer = machineCanFreeze()
      ? {
          freeze: async (workerId) => {
            await this.workers.get(workerId)?.freezer?.freeze();
          },
          thaw: async (workerId) => {
            await this.workers.get(workerId)?.freezer?.thaw();
          },
        }
      : null;
  }

  /** Checks the engine and the images, removes this manager's orphaned containers, watches exits. */
  static async open(options: DockerSandboxOptions): Promise<DockerSandbox> {
    await assertEngineReachable(options.docker);
    const sandbox = new DockerSandbox(options);
    const runtimes = Object.keys(defaultImages) as RuntimeId[];
    await warnOfMissingImages(options.docker, Object.fromEntries(runtimes.map((r) => [r, sandbox.imageOf(r)])), options.logger);
    await ensureWorkerNetwork(options.docker);
    await removeOrphans(options.docker, options.managerId, options.logger);
    await sandbox.watchExits();
    return sandbox;
  }

  private imageOf(runtime: RuntimeId): string {
    return this.options.images?.[runtime] ?? defaultImages[runtime];
  }

  private async watchExits(): Promise<void> {
    this.events = await followContainerEvents(this.options.docker, this.options.managerId, {
      outOfMemory: (workerId) => {
        const worker = this.workers.get(workerId);
        if (!worker) return;
        worker.outOfMemory = true;
        worker.onOutOfMemory?.();
      },
      died: (workerId, exitCode) => {
        const worker = this.workers.get(workerId);
        if (!worker || worker.destroying) return;
        this.reportUnexpectedExit(workerId, {
          exitedByItself: true,
          oom: worker.outOfMemory,
          exitCode,
          signal: null,
          stderrTail: '',
        });
      },
    });
  }

  /**
   * A worker is a stem cell launched on its version's code (bound read-only at /code) and
   * specialised at once: its secret and its function's environment arrive in the one control
   * call, never in the container's environment, which its code could read in /proc/1/environ.
   */
  async start({ workerId, spec, codeDir, secret }: SandboxStartRequest): Promise<SandboxWorker> {
    const labels = { 'nubo.function': spec.functionId, 'nubo.version': String(spec.version) };
    const token = await this.launchStem(workerId, stemKeyOf(spec), codeDir, labels);
    return this.specialiseWith(workerId, token, spec, secret);
  }

  /** A stem cell: a hardened container of `key`'s kind, its runtime listening, its code directory (bound read-only) empty. */
  async startStem(workerId: string, key: StemKey): Promise<void> {
    const codeDir = join(this.options.workDir, `${workerId}-code`);
    await mkdir(codeDir, { recursive: true, mode: 0o755 });
    try {
      const token = await this.launchStem(workerId, key, codeDir, { 'nubo.function': 'stem-cell' });
      Object.assign(this.workers.get(workerId)!, { stemCodeDir: codeDir, stemToken: token });
    } catch (err) {
      await rm(codeDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Gives a stem cell its function: the code into its bound directory, then environment and secret in its one control call. */
  async specialise({ workerId, spec, codeDir, secret }: SandboxStartRequest): Promise<SandboxWorker> {
    const worker = this.workers.get(workerId);
    if (!worker?.stemCodeDir || !worker.stemToken)
      throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `${workerId} is no stem cell waiting for its function.`);
    const token = worker.stemToken;
    worker.stemToken = null;
    try {
      await copyTree(codeDir, worker.stemCodeDir);
    } catch (err) {
      await this.destroy(workerId);
      throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `Cannot specialise the stem cell: ${(err as Error).message}`);
    }
    return this.specialiseWith(workerId, token, spec, secret);
  }

  /** Launches a container whose runtime waits for its function, with a token made for its one control call. */
  private async launchStem(workerId: string, key: StemKey, codeDir: string, labels: Record<string, string>): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const env: StemCellEnvironment = {
      NUBO_STEM_CELL: '1',
      NUBO_STEM_TOKEN: token,
      NUBO_MEMORY_SOURCE: 'cgroup',
      NUBO_MEMORY_MB: String(key.memoryMb),
    };
    await this.launch(workerId, key, { env: { ...env }, codeDir, labels, secret: token });
    return token;
  }

  /** The control call: the function's environment and the worker's secret; answers once the handler loaded. */
  private async specialiseWith(
    workerId: string,
    token: string,
    spec: SandboxStartRequest['spec'],
    secret: string,
  ): Promise<SandboxWorker> {
    const worker = this.workers.get(workerId);
    try {
      if (!worker) throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `${workerId} is gone.`);
      const env = { ...spec.env, ...workerEnvironment(spec, secret, { NUBO_MEMORY_SOURCE: 'cgroup' }) };
      const answer = await callRuntime(worker.runtimeAddress, '/specialise', {
        method: 'POST',
        secret: token,
        body: JSON.stringify({ env }),
        timeoutMs: startTimeoutMs,
      }).catch(
        // No answer: a handler that ended its process while loading is the function's init error.
        async (err: Error) => {
          const exited = await this.exitWhileLoading(worker.containerId, crashGraceMs);
          throw exited ?? new NuboError('NUBO_ERR_WORKER_START_FAILED', `Cannot specialise the worker: ${err.message}`);
        },
      );
      const health = answer.body as HealthReply | null;
      if (!health || typeof health.ready !== 'boolean')
        throw new NuboError(
          'NUBO_ERR_WORKER_START_FAILED',
          `The runtime answered its specialisation with HTTP ${answer.status} and no health reply.`,
        );
      if (!health.ready) throw new WorkerInitError({ type: health.error.type, message: health.error.message });
      return { workerId, address: worker.address };
    } catch (err) {
      await this.destroy(workerId);
      if (err instanceof NuboError) throw err;
      throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `Cannot specialise the worker: ${(err as Error).message}`);
    }
  }

  /** Creates and starts a hardened container of `key`'s kind with `codeDir` bound read-only at /code, and waits for its runtime. */
  private async launch(
    workerId: string,
    key: StemKey,
    run: {
      env: Record<string, string>;
      codeDir: string;
      labels: Record<string, string>;
      /** What its health check is called with (a stem cell's token). */
      secret: string;
    },
  ): Promise<SandboxWorker> {
    const { docker, managerId, advertiseIp } = this.options;
    const offline = isOffline(key);
    for (let attempt = 0; ; attempt++) {
      const hostPort = offline ? null : this.ports.take();
      let containerId: string | undefined;
      const t0 = performance.now();
      try {
        const container = await docker.createContainer(
          containerSpecOf({
            workerId,
            managerId,
            image: this.imageOf(key.runtime),
            key,
            env: run.env,
            codeDir: run.codeDir,
            labels: run.labels,
            published: hostPort === null ? null : { ip: advertiseIp, port: hostPort },
          }),
        );
        containerId = container.id;
        const published = hostPort === null ? '' : tcpWorkerAddress(advertiseIp, hostPort);
        const running: RunningContainer = {
          containerId,
          hostPort,
          destroying: false,
          relay: null,
          // A container without network gets its socket's address once it runs (below).
          runtimeAddress: published,
          address: published,
          stemCodeDir: null,
          stemToken: null,
          outOfMemory: false,
          freezer: null,
        };
        this.workers.set(workerId, running);
        const t1 = performance.now();
        await container.start();
        const t2 = performance.now();
        const pid = (await container.inspect()).State.Pid;
        if (this.freezer) running.freezer = await CgroupFreezer.ofProcess(pid);
        // Its socket, reached through the container's own root as /proc shows its first process.
        const socketPath = offline ? `/proc/${pid}/root${containerSocketDir}/worker.sock` : null;
        if (socketPath) running.runtimeAddress = running.address = unixWorkerAddress(socketPath);
        // Before anything of the function runs (it comes with the specialisation).
        else await this.options.egress.applyTo(pid);
        await this.waitUntilListening(container, running.runtimeAddress, run.secret);
        this.options.onStartTimings?.({ createMs: t1 - t0, startMs: t2 - t1, readyMs: performance.now() - t2 });
        if (socketPath && this.options.relaySockets) {
          running.relay = await relayToSocket(advertiseIp, socketPath);
          running.address = tcpWorkerAddress(advertiseIp, running.relay.port);
        }
        return { workerId, address: running.address };
      } catch (err) {
        await this.destroy(workerId).catch(() => undefined);
        if (!containerId && hostPort !== null) this.ports.giveBack(hostPort);
        // Another program (or another manager's container) holds the port: try the next ones.
        if (attempt < 10 && /port is already allocated|address already in use/i.test((err as Error).message)) continue;
        if (err instanceof NuboError) throw err;
        throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `Cannot start the worker container: ${(err as Error).message}`);
      }
    }
  }

  /** Waits until the container's runtime answers on its address (a stem cell has no handler yet: an answer is readiness). */
  private async waitUntilListening(container: Docker.Container, address: string, secret: string): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    while (!(await runtimeListens(address, secret))) {
      const exited = await this.exitWhileLoading(container.id);
      if (exited) throw exited;
      if (Date.now() > deadline)
        throw new NuboError(
          'NUBO_ERR_WORKER_START_FAILED',
          `The worker container did not become ready within ${startTimeoutMs} ms.`,
        );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Why a container is no longer running (its last lines), as the function's init error; null while
   * it runs. `waitMs`: a runtime that just dropped its connection gets this long to be seen ended.
   */
  private async exitWhileLoading(containerId: string, waitMs = 0): Promise<NuboError | null> {
    const container = this.options.docker.getContainer(containerId);
    const inspect = () =>
      container.inspect().then(
        (i) => i.State,
        () => null,
      );
    let state = await inspect();
    if (state?.Running && waitMs > 0) {
      await Promise.race([
        container.wait().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, waitMs).unref()),
      ]);
      state = await inspect();
    }
    if (state?.Running) return null;
    const logs = await container
      .logs({ stdout: true, stderr: true, tail: 20 })
      .then((raw) => raw.toString('utf8'))
      .catch(() => '');
    const said = logs.replace(dockerLogFraming, '').trim().slice(-1000);
    return new WorkerInitError({
      type: 'Runtime.ExitError',
      message: `The worker exited while loading the function${state?.OOMKilled ? ' (out of memory)' : ''}: ${said || `exit code ${state?.ExitCode ?? '?'}`}`,
    });
  }

  async destroy(workerId: string, options: { graceMs?: number } = {}): Promise<WorkerExit | null> {
    const worker = this.workers.get(workerId);
    if (!worker) return null;
    worker.destroying = true;
    // A frozen container's processes take no signal until thawed.
    await worker.freezer?.thaw().catch(() => undefined);
    await worker.freezer?.close();
    const container = this.options.docker.getContainer(worker.containerId);
    let state = await container.inspect().then(
      (i) => i.State,
      () => null,
    );
    if (state?.Running && options.graceMs) {
      await Promise.race([
        container.wait().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, options.graceMs).unref()),
      ]);
      state = await container.inspect().then(
        (i) => i.State,
        () => null,
      );
    }
    // Docker can report the exit before the OOM kill that caused it (OOMKilled still false): a
    // container that died of SIGKILL waits, within the grace, for the 'oom' event.
    const diedOfKill = state !== null && !state.Running && !state.OOMKilled && state.ExitCode === killedExitCode;
    const oom = state?.OOMKilled === true || (diedOfKill && (await this.outOfMemoryAnnounced(worker, options.graceMs ?? 0)));
    const exit: WorkerExit | null = state
      ? {
          exitedByItself: !state.Running,
          oom,
          exitCode: state.Running ? null : state.ExitCode,
          signal: null,
          stderrTail: '',
        }
      : null;
    await container.remove({ force: true }).catch(() => undefined);
    worker.relay?.close();
    if (worker.stemCodeDir) await rm(worker.stemCodeDir, { recursive: true, force: true });
    this.workers.delete(workerId);
    if (worker.hostPort !== null) this.ports.giveBack(worker.hostPort);
    return exit;
  }

  private async outOfMemoryAnnounced(worker: RunningContainer, waitMs: number): Promise<boolean> {
    if (!worker.outOfMemory && waitMs > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        worker.onOutOfMemory = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    return worker.outOfMemory;
  }

  override async destroyAll(): Promise<void> {
    await super.destroyAll();
    (this.events as { destroy?: () => void } | undefined)?.destroy?.();
  }
}
