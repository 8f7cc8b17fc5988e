import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NuboError, type Logger, type SandboxStartRequest, type SandboxWorker, type WorkerExit } from '@nubo/core';
import { nodeRuntimeScript, pythonRuntimeScript, type ReadyMessage } from '@nubo/runtime';
import { TrackedSandbox } from './tracked-sandbox.js';
import { workerEnvironment } from './worker-environment.js';

const stderrTailBytes = 4096;
const startTimeoutMs = 15_000;

interface RunningWorker {
  child: ChildProcess;
  tmpDir: string;
  stderrTail: string;
  exit: WorkerExit | null;
  destroying: boolean;
  exited: Promise<WorkerExit>;
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
 * Workers as local child processes: the runtime server on 127.0.0.1 and an ephemeral port, in the
 * function's code directory, with the function's environment and nothing of the platform's.
 */
export class ProcessSandbox extends TrackedSandbox<RunningWorker> {
  readonly kind = 'process';
  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  constructor(
    private readonly options: {
      workDir: string;
      logger: Logger;
      /** Address workers listen on. */
      host?: string;
    },
  ) {
    super();
  }

  async start({ workerId, spec, codeDir, secret }: SandboxStartRequest): Promise<SandboxWorker> {
    const tmpDir = join(this.options.workDir, workerId);
    await mkdir(tmpDir, { recursive: true });
    // Node's heap limit stands in for a memory limit; Python gets none in this sandbox.
    const [command, ...args] =
      spec.runtime === 'python3.11'
        ? ['python3', '-u', pythonRuntimeScript]
        : [process.execPath, `--max-old-space-size=${spec.memoryMb}`, nodeRuntimeScript];
    const child = spawn(command!, args, {
      cwd: codeDir,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Its own process group, so destroying the worker also ends what its function started in the background.
      detached: true,
      env: {
        ...spec.env,
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: tmpDir,
        TMPDIR: tmpDir,
        LANG: 'C.UTF-8',
        ...workerEnvironment(spec, secret, { NUBO_CODE_DIR: codeDir, NUBO_RUNTIME_HOST: this.host }),
      },
    });
    const worker: RunningWorker = {
      child,
      tmpDir,
      stderrTail: '',
      exit: null,
      destroying: false,
      exited: Promise.resolve(null as never),
    };
    worker.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        worker.exit = {
          exitedByItself: true,
          oom: /heap out of memory|Reached heap limit|MemoryError/i.test(worker.stderrTail),
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
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      worker.stderrTail = (worker.stderrTail + text).slice(-stderrTailBytes);
    });
    this.workers.set(workerId, worker);
    try {
      const ready = await this.waitUntilReady(worker);
      if (ready.type === 'init-error') {
        throw new NuboError('NUBO_ERR_DEPLOY_INIT_FAILED', ready.error.message, { errorType: ready.error.type });
      }
      return { workerId, host: this.host, port: ready.port };
    } catch (err) {
      await this.destroy(workerId);
      throw err;
    }
  }

  private waitUntilReady(worker: RunningWorker): Promise<ReadyMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new NuboError('NUBO_ERR_WORKER_START_FAILED', `The worker did not become ready within ${startTimeoutMs} ms.`)),
        startTimeoutMs,
      );
      worker.child.once('message', (message: ReadyMessage) => {
        clearTimeout(timer);
        resolve(message);
      });
      worker.child.once('error', (err) => {
        clearTimeout(timer);
        reject(new NuboError('NUBO_ERR_WORKER_START_FAILED', `Cannot start the worker process: ${err.message}.`));
      });
      void worker.exited.then((exit) => {
        clearTimeout(timer);
        const oom = exit.oom ? ' (out of memory while loading)' : '';
        reject(
          new NuboError(
            'NUBO_ERR_DEPLOY_INIT_FAILED',
            `The worker exited while loading the function${oom}: ${exit.stderrTail.trim().slice(-1000) || `exit code ${exit.exitCode}`}`,
            { errorType: 'Runtime.ExitError' },
          ),
        );
      });
    });
  }

  async destroy(workerId: string, options: { graceMs?: number } = {}): Promise<WorkerExit | null> {
    const worker = this.workers.get(workerId);
    if (!worker) return null;
    worker.destroying = true;
    let exit = worker.exit;
    if (!exit && options.graceMs) {
      exit = await Promise.race([
        worker.exited,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), options.graceMs).unref()),
      ]);
    }
    killGroup(worker.child);
    if (!exit) exit = { ...(await worker.exited), exitedByItself: false };
    this.workers.delete(workerId);
    await rm(worker.tmpDir, { recursive: true, force: true });
    return exit;
  }
}
