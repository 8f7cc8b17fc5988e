import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));
const harness = fileURLToPath(new URL('./embedded-harness.js', import.meta.url));

/** A worker as the server's manager knows it: where it listens and the secret every call to it carries. */
export interface KnownWorker {
  id: string;
  address: string;
  secret: string;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Runs `nubo server` (or `gateway`) in its own process, so the benchmark client does not share its
 * event loop. `role: 'harness'` runs the same embedded server through embedded-harness, whose
 * `workers()` tells the workers' secrets (for baselines that call a worker directly).
 */
export async function startServer(
  env: Record<string, string> = {},
  role: 'server' | 'gateway' | 'harness' = 'server',
): Promise<{ url: string; triggerUrl: string; pid: number; workers(): Promise<KnownWorker[]>; stop(): Promise<void> }> {
  const port = await freePort();
  const triggerPort = await freePort();
  const dataDir = await benchDataDir('nubo-bench-');
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers a benchmark starts.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...(role === 'harness' ? [harness] : [bin, role])], {
    env: {
      ...process.env,
      NUBO_PORT: String(port),
      NUBO_TRIGGER_PORT: String(triggerPort),
      NUBO_DATA_DIR: dataDir,
      NUBO_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: role === 'harness' ? ['pipe', 'inherit', 'inherit', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  const answerStream = child.stdio[3] as Readable | null | undefined;
  const answers = answerStream ? createInterface({ input: answerStream })[Symbol.asyncIterator]() : null;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nubo ${role} did not start within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    triggerUrl: `http://localhost:${triggerPort}`,
    pid: child.pid!,
    async workers() {
      if (!answers || !child.stdin) throw new Error('only a server started as a harness tells its workers');
      child.stdin.write('workers\n');
      return JSON.parse((await answers.next()).value as string) as KnownWorker[];
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function json(url: string, method: string, body?: unknown, key?: string): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = await res.json();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** A fresh data directory that isolated workers' unprivileged user may pass through to reach their code. */
async function benchDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o711);
  return dir;
}

/** Runs `nubo manager` in its own process and waits until it answers on its API. */
export async function startManager(env: Record<string, string>, ip: string): Promise<{ pid: number; stop(): Promise<void> }> {
  const port = await freePort(ip);
  const dataDir = await benchDataDir('nubo-bench-manager-');
  const child = spawn(process.execPath, [bin, 'manager'], {
    env: { ...process.env, NUBO_DATA_DIR: dataDir, NUBO_LOG_LEVEL: 'warn', NUBO_MANAGER_URL: `http://${ip}:${port}`, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answered = await fetch(`http://${ip}:${port}/v1/status`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('nubo manager did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
