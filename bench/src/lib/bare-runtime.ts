import { spawn, type ChildProcess } from 'node:child_process';
import { nodeRuntimeScript, workerSecretHeader } from '@nubo/runtime';

/** The secret of the bare runtimes the benchmarks start themselves (their baseline). */
export const bareSecret = 'bench-bare-runtime-secret';

/** Headers for calling a bare runtime directly. */
export const bareHeaders = { 'content-type': 'application/json', [workerSecretHeader]: bareSecret };

/** Resolves once a runtime at `origin` answers its health check (it polls without pause: the wait is what is measured). */
export async function untilHealthy(origin: string, secret = bareSecret): Promise<void> {
  const giveUp = Date.now() + 30_000;
  for (;;) {
    if (Date.now() > giveUp) throw new Error(`${origin} did not become healthy within 30 s`);
    const ok = await fetch(`${origin}/healthz`, { headers: { [workerSecretHeader]: secret } }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
  }
}

/** Nubo's Node runtime as a plain child process serving the handler in `codeDir` on `port`, no sandbox around it. */
export function spawnBareRuntime(codeDir: string, port: number): ChildProcess {
  return spawn(process.execPath, [nodeRuntimeScript], {
    cwd: codeDir,
    env: {
      PATH: '/usr/bin:/bin',
      NUBO_CODE_DIR: codeDir,
      NUBO_HANDLER: 'index.handler',
      NUBO_RUNTIME_PORT: String(port),
      NUBO_WORKER_SECRET: bareSecret,
    },
    stdio: 'ignore',
  });
}
