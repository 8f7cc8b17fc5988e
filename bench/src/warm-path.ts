import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { workerSecretHeader } from '@nubo/runtime';
import { listeningPort } from './lib/listening-port.js';
import { json, startServer, freePort } from './lib/server.js';
import { ms, summarise } from './lib/stats.js';
import { timeRequests } from './lib/measure.js';
import { spawnBareRuntime, untilHealthy, workerSecretOf } from './lib/bare-runtime.js';

const warmRequests = Number(process.env.BENCH_WARM_REQUESTS ?? 4000);
const rounds = 10;
const coldStarts = Number(process.env.BENCH_COLD_STARTS ?? 20);
const noop = 'export const handler = async () => ({ ok: true, pid: process.pid });\n';

async function bareRuntimeColdStart(codeDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnBareRuntime(codeDir, port);
  await untilHealthy(`http://127.0.0.1:${port}`);
  const elapsed = performance.now() - started;
  child.kill('SIGKILL');
  return elapsed;
}

/** `BENCH_SANDBOX=docker` measures the same with workers in Docker containers. */
const sandbox = process.env.BENCH_SANDBOX === 'docker' ? 'docker' : 'process';

/** The port the worker listens on and its secret: found from its pid, or from its container. */
async function workerOf(pid: number): Promise<{ port: number; secret: string }> {
  if (sandbox === 'process') return { port: await listeningPort(pid), secret: await workerSecretOf({ pid }) };
  const { default: Docker } = await import('dockerode');
  const docker = new Docker();
  const [newest] = (await docker.listContainers({ filters: { label: ['nubo.worker'] } })).sort((a, b) => b.Created - a.Created);
  const port = newest?.Ports.find((p) => p.PrivatePort === 8080)?.PublicPort;
  if (!newest || !port) throw new Error('no worker container found');
  const { Config } = await docker.getContainer(newest.Id).inspect();
  return { port, secret: await workerSecretOf({ containerEnv: Config.Env }) };
}

async function main(): Promise<void> {
  const server = await startServer({ NUBO_SANDBOX: sandbox });
  try {
    const { apiKey } = await json(`${server.url}/v1/auth/signup`, 'POST', { username: 'bench', password: 'benchmark-password' });
    await json(
      `${server.url}/v1/functions/noop`,
      'PUT',
      { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': noop } } },
      apiKey,
    );
    const { pid } = await json(`${server.url}/v1/functions/noop/invoke`, 'POST', {}, apiKey);
    const { port: workerPort, secret } = await workerOf(pid);

    const gateway = new Pool(server.url, { connections: 1 });
    const direct = new Pool(`http://127.0.0.1:${workerPort}`, { connections: 1 });
    const gatewayHeaders = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
    const directHeaders = { 'content-type': 'application/json', [workerSecretHeader]: secret };
    const directBody = JSON.stringify({ event: {}, context: { requestId: 'bench', deadlineMs: Date.now() + 3_600_000 } });

    // Warm both paths up, then alternate rounds so drift on the machine hits both alike.
    await timeRequests(gateway, '/v1/functions/noop/invoke', '{}', gatewayHeaders, 500);
    await timeRequests(direct, '/invoke', directBody, directHeaders, 500);
    const viaGateway: number[] = [];
    const viaDirect: number[] = [];
    for (let round = 0; round < rounds; round++) {
      viaDirect.push(...(await timeRequests(direct, '/invoke', directBody, directHeaders, warmRequests / rounds)));
      viaGateway.push(...(await timeRequests(gateway, '/v1/functions/noop/invoke', '{}', gatewayHeaders, warmRequests / rounds)));
    }
    await gateway.close();
    await direct.close();
    const g = summarise(viaGateway);
    const d = summarise(viaDirect);

    // Cold starts: each deploy makes a new version, whose first call starts a new worker.
    const coldTotals: number[] = [];
    const coldInits: number[] = [];
    for (let i = 0; i < coldStarts; i++) {
      await json(`${server.url}/v1/functions/noop/invoke`, 'POST', {}, apiKey).catch(() => null);
      await json(
        `${server.url}/v1/functions/noop`,
        'PUT',
        { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': `${noop}// ${i}\n` } } },
        apiKey,
      );
      const started = performance.now();
      const res = await fetch(`${server.url}/v1/functions/noop/invoke`, { method: 'POST', headers: gatewayHeaders, body: '{}' });
      await res.text();
      coldTotals.push(performance.now() - started);
      if (res.headers.get('x-nubo-cold-start') !== 'true') throw new Error('expected a cold start');
      const [record] = await json(`${server.url}/v1/functions/noop/logs?limit=1`, 'GET', undefined, apiKey);
      coldInits.push(record.initMs);
    }
    const codeDir = await mkdtemp(join(tmpdir(), 'nubo-bench-code-'));
    await writeFile(join(codeDir, 'index.mjs'), noop);
    const bare: number[] = [];
    for (let i = 0; i < coldStarts; i++) bare.push(await bareRuntimeColdStart(codeDir));
    const cold = summarise(coldTotals);
    const init = summarise(coldInits);
    const baseline = summarise(bare);

    console.log(`\nNubo embedded benchmark — ${new Date().toISOString()} — node ${process.version} — ${sandbox} sandbox`);
    console.log(`\nWarm invoke, no-op function, sequential, ${warmRequests} requests per path (keep-alive):`);
    console.log(`  direct to the worker runtime  p50 ${ms(d.p50)}  p99 ${ms(d.p99)}`);
    console.log(`  through the gateway           p50 ${ms(g.p50)}  p99 ${ms(g.p99)}`);
    console.log(
      `  gateway overhead              p50 +${ms(g.p50 - d.p50)}  p99 +${ms(g.p99 - d.p99)}   ratio p50 ${(g.p50 / d.p50).toFixed(2)}x  p99 ${(g.p99 / d.p99).toFixed(2)}x`,
    );
    console.log(`  target: p50 within 0.5 ms of direct → ${g.p50 - d.p50 <= 0.5 ? 'MET' : 'NOT MET'}`);
    console.log(`\nCold start, ${sandbox} sandbox, ${coldStarts} starts (baseline: a bare runtime process):`);
    console.log(`  bare runtime spawn → first answer   p50 ${ms(baseline.p50)}  p99 ${ms(baseline.p99)}`);
    console.log(
      `  Nubo worker start (initMs)          p50 ${ms(init.p50)}  p99 ${ms(init.p99)}   ratio p50 ${(init.p50 / baseline.p50).toFixed(2)}x`,
    );
    console.log(`  cold invoke through the gateway     p50 ${ms(cold.p50)}  p99 ${ms(cold.p99)}`);
  } finally {
    await server.stop();
  }
}

await main();
