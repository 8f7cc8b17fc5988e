/**
 * Cold-start benchmark (`npm run bench:cold`), one run: for the process sandbox (isolated where the
 * machine can) and the Docker sandbox, and for Node (node22) and Python, the first call of a freshly
 * deployed function from request to answer, on a server without stem cells and on one with them
 * (NUBO_STEM_CELLS=1), alternating; and the same runtime started bare (a plain child process, or a
 * plain `docker run` of the worker image) until its first answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { defaultImages } from '@nubo/manager';
import { installedNode, nodeRuntimeScript, pythonRuntimeScript, runtimePackageDir } from '@nubo/runtime';
import { plainDockerRun } from './lib/plain-docker-run.js';
import { bareHeaders, bareSecret, untilHealthy } from './lib/bare-runtime.js';
import { freePort, json, startServer } from './lib/server.js';
import { ms, summarise } from './lib/stats.js';

const rounds = Number(process.env.BENCH_COLD_STARTS ?? 15);

const runtimes = {
  node22: { handler: 'index.handler', files: { 'index.mjs': 'export const handler = async () => ({ ok: true });\n' } },
  'python3.11': { handler: 'app.handler', files: { 'app.py': 'def handler(event, context):\n    return {"ok": True}\n' } },
} as const;
type Runtime = keyof typeof runtimes;

/** The runtime as a plain child process, no sandbox: spawn until its first answer. */
async function bareColdStart(runtime: Runtime, codeDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const env = {
    PATH: '/usr/bin:/bin',
    NUBO_CODE_DIR: codeDir,
    NUBO_HANDLER: runtimes[runtime].handler,
    NUBO_RUNTIME_PORT: String(port),
    NUBO_WORKER_SECRET: bareSecret,
  };
  const child: ChildProcess =
    runtime === 'python3.11'
      ? spawn('python3', ['-u', pythonRuntimeScript], { cwd: codeDir, env, stdio: 'ignore' })
      : spawn(installedNode(runtimePackageDir, runtime) ?? process.execPath, [nodeRuntimeScript], {
          cwd: codeDir,
          env,
          stdio: 'ignore',
        });
  try {
    await untilHealthy(`http://127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/invoke`, { method: 'POST', headers: bareHeaders, body: '{"event":{}}' });
    await res.text();
    return performance.now() - started;
  } finally {
    child.kill('SIGKILL');
  }
}

async function deployAll(url: string, key: string, runtime: Runtime): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const name = `${runtime.replace('.', '')}-${i}`;
    await json(
      `${url}/v1/functions/${name}`,
      'PUT',
      { runtime, handler: runtimes[runtime].handler, code: { files: runtimes[runtime].files } },
      key,
    );
    names.push(name);
  }
  return names;
}

async function firstCall(url: string, key: string, name: string): Promise<{ ms: number; initMs: number; stemCell: boolean }> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/functions/${name}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: '{}',
  });
  await res.text();
  const took = performance.now() - started;
  if (res.status !== 200 || res.headers.get('x-nubo-cold-start') !== 'true')
    throw new Error(`${name}: ${res.status}, not a cold start`);
  const [record] = await json(`${url}/v1/functions/${name}/logs?limit=1`, 'GET', undefined, key);
  return { ms: took, initMs: record.initMs, stemCell: record.stemCell };
}

type SandboxKind = 'process' | 'docker';

async function measure(sandbox: SandboxKind, lines: string[]): Promise<void> {
  const docker = new Docker();
  const plain = await startServer({ NODE_NO_WARNINGS: '1', NUBO_SANDBOX: sandbox, NUBO_STEM_CELLS: '0' });
  const stems = await startServer({ NODE_NO_WARNINGS: '1', NUBO_SANDBOX: sandbox, NUBO_STEM_CELLS: '1' });
  try {
    const keys = await Promise.all(
      [plain, stems].map(
        async (s) =>
          (await json(`${s.url}/v1/auth/signup`, 'POST', { username: 'bench', password: 'benchmark-password' })).apiKey as string,
      ),
    );
    for (const runtime of Object.keys(runtimes) as Runtime[]) {
      console.log(`  ${sandbox} sandbox, ${runtime}…`);
      const codeDir = await mkdtemp(join(tmpdir(), 'nubo-bench-cold-'));
      // A plain container's unprivileged runtime reads it too.
      await chmod(codeDir, 0o755);
      for (const [file, text] of Object.entries(runtimes[runtime].files))
        await writeFile(join(codeDir, file), text, { mode: 0o644 });
      const [plainNames, stemNames] = await Promise.all([
        deployAll(plain.url, keys[0]!, runtime),
        deployAll(stems.url, keys[1]!, runtime),
      ]);
      const bare: number[] = [];
      const without: number[] = [];
      const withStems: number[] = [];
      const stemInit: number[] = [];
      let served = 0;
      for (let i = 0; i < rounds; i++) {
        bare.push(
          sandbox === 'process'
            ? await bareColdStart(runtime, codeDir)
            : await plainDockerRun(docker, {
                image: defaultImages[runtime],
                handler: runtimes[runtime].handler,
                codeDir,
                invoke: true,
              }),
        );
        without.push((await firstCall(plain.url, keys[0]!, plainNames[i]!)).ms);
        const call = await firstCall(stems.url, keys[1]!, stemNames[i]!);
        withStems.push(call.ms);
        stemInit.push(call.initMs);
        if (call.stemCell) served++;
        // The stem cell taken is replaced in the background before the next round.
        await new Promise((resolve) => setTimeout(resolve, sandbox === 'docker' ? 1000 : 300));
      }
      const target = sandbox === 'docker' ? 60 : 30;
      const [b, w, st, si] = [bare, without, withStems, stemInit].map(summarise);
      lines.push(
        `\n${sandbox} sandbox, ${runtime}, first call of a deployed function, request to answer (${rounds} each, alternating):`,
        `  bare ${sandbox === 'docker' ? '`docker run`' : 'spawn'} of the runtime to its first answer ${sandbox === 'docker' ? '' : '  '}p50 ${ms(b!.p50)}  p99 ${ms(b!.p99)}`,
        `  Nubo without stem cells                          p50 ${ms(w!.p50)}  p99 ${ms(w!.p99)}`,
        `  Nubo with stem cells (NUBO_STEM_CELLS=1)         p50 ${ms(st!.p50)}  p99 ${ms(st!.p99)}   ${served}/${rounds} served by a stem cell, initMs p50 ${ms(si!.p50)}`,
        `  with / without stem cells                        p50 ${(st!.p50 / w!.p50).toFixed(2)}x   target p50 ≤ ${target} ms: ${st!.p50 <= target ? 'MET' : 'NOT MET'}`,
      );
    }
  } finally {
    await plain.stop();
    await stems.stop();
  }
}

async function main(): Promise<void> {
  console.log(`Measuring ${rounds} cold starts per sandbox, runtime and case…`);
  const lines: string[] = [];
  for (const sandbox of (process.env.BENCH_SANDBOXES ?? 'process,docker').split(',') as SandboxKind[])
    await measure(sandbox, lines);
  console.log(`\nNubo cold-start benchmark — ${new Date().toISOString()} — node ${process.version}`);
  for (const line of lines) console.log(line);
}

await main();
