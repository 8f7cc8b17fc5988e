/**
 * Burst benchmark (`npm run bench:burst`): from zero workers, N concurrent requests (N = 10, 50,
 * 200) against a function capped at maxConcurrency, then the same burst with minWarm workers
 * prewarmed, and again with every worker warm (the baseline of the same run). Reports the time to
 * serve all, workers started, and p50/p99 latency. `BENCH_SANDBOX=docker` runs Docker workers.
 */
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { json, startServer } from './lib/server.js';
import { treeCpuSeconds } from './lib/process-tree-cpu.js';
import { ms, summarise } from './lib/stats.js';

const sandbox = process.env.BENCH_SANDBOX === 'docker' ? 'docker' : 'process';
const sizes = [10, 50, 200];
const cap = Number(process.env.BENCH_BURST_CAP ?? 20);
const workMs = 20;
const handler = `export const handler = async () => { await new Promise((resolve) => setTimeout(resolve, ${workMs})); return { ok: true }; };\n`;

interface BurstResult {
  totalMs: number;
  started: number;
  p50: number;
  p99: number;
  failed: number;
}

async function burst(url: string, key: string, name: string, n: number, agent: Agent): Promise<BurstResult> {
  const latencies: number[] = [];
  let failed = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      const sent = performance.now();
      const res = await fetch(`${url}/v1/functions/${name}/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: '{}',
        // @ts-expect-error undici's dispatcher option is not in the DOM fetch types
        dispatcher: agent,
      });
      await res.arrayBuffer();
      if (res.status !== 200) failed += 1;
      latencies.push(performance.now() - sent);
    }),
  );
  const totalMs = performance.now() - began;
  const records = (await json(`${url}/v1/functions/${name}/logs?limit=1000`, 'GET', undefined, key)) as { cold: boolean }[];
  const { p50, p99 } = summarise(latencies);
  return { totalMs, started: records.filter((r) => r.cold).length, p50, p99, failed };
}

async function waitForWarm(url: string, key: string, name: string, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await json(`${url}/v1/functions/${name}`, 'GET', undefined, key)).liveWorkers < count) {
    if (Date.now() > deadline) throw new Error(`${name} did not get ${count} warm workers within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const row = (label: string, r: BurstResult, base?: BurstResult) =>
  `  ${label.padEnd(26)} all served in ${ms(r.totalMs).padStart(10)}  workers started ${String(r.started).padStart(3)}  p50 ${ms(r.p50).padStart(10)}  p99 ${ms(r.p99).padStart(10)}` +
  (base ? `  ratio to warm ${(r.totalMs / base.totalMs).toFixed(2)}x` : '') +
  (r.failed ? `  FAILED ${r.failed}` : '');

async function main(): Promise<void> {
  const server = await startServer({ NUBO_SANDBOX: sandbox, NUBO_PREWARM_INTERVAL_MS: '200' });
  const agent = new Agent({ connections: 256 });
  try {
    const { apiKey } = await json(`${server.url}/v1/auth/signup`, 'POST', { username: 'bench', password: 'benchmark-password' });
    const deploy = (name: string, minWarm: number) =>
      json(
        `${server.url}/v1/functions/${name}`,
        'PUT',
        {
          runtime: 'node20',
          handler: 'index.handler',
          code: { files: { 'index.mjs': handler } },
          maxConcurrency: cap,
          minWarm,
          timeoutMs: 60_000,
        },
        apiKey,
      );

    console.log(`\nNubo burst benchmark — ${new Date().toISOString()} — node ${process.version} — ${sandbox} sandbox`);
    console.log(`Function: ${workMs} ms of work per call, maxConcurrency ${cap}; NUBO_MANAGER_MAX_STARTS at its default.`);
    for (const n of sizes) {
      await deploy(`cold-${n}`, 0);
      // The deploy's probe worker is gone: this burst starts from zero workers.
      const cold = await burst(server.url, apiKey, `cold-${n}`, n, agent);
      const warm = await burst(server.url, apiKey, `cold-${n}`, n, agent);
      await deploy(`prewarmed-${n}`, cap);
      await waitForWarm(server.url, apiKey, `prewarmed-${n}`, cap);
      const prewarmed = await burst(server.url, apiKey, `prewarmed-${n}`, n, agent);
      console.log(`\nN = ${n} concurrent requests:`);
      console.log(row('from zero workers', cold, warm));
      console.log(row(`with minWarm ${cap}`, prewarmed, warm));
      console.log(row('all workers warm (base)', { ...warm, started: warm.started - cold.started }));
      // Each size starts on a machine without the workers of the one before.
      for (const name of [`cold-${n}`, `prewarmed-${n}`])
        await fetch(`${server.url}/v1/functions/${name}`, { method: 'DELETE', headers: { authorization: `Bearer ${apiKey}` } });
    }
  } finally {
    await agent.close();
    await server.stop();
  }
}

/**
 * An idle node holding warm floors should cost nothing: the CPU of a server and all its workers over
 * BENCH_IDLE_MS (30 s) with two floors that fit, against the same server with no function, in one run.
 */
async function idleFloorCpu(): Promise<void> {
  const idleMs = Number(process.env.BENCH_IDLE_MS ?? 30_000);
  const measure = async (floors: number[]) => {
    const server = await startServer({ NUBO_SANDBOX: sandbox, NUBO_MANAGER_MEMORY_MB: '1024' });
    try {
      const { apiKey } = await json(`${server.url}/v1/auth/signup`, 'POST', {
        username: 'bench',
        password: 'benchmark-password',
      });
      const answers: string[] = [];
      for (const [i, minWarm] of floors.entries()) {
        const body = {
          runtime: 'node20',
          handler: 'index.handler',
          code: { files: { 'index.mjs': handler } },
          memoryMb: 128,
          minWarm,
        };
        const res = await fetch(`${server.url}/v1/functions/floor-${i}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify(body),
        });
        answers.push(String(res.status));
        if (res.ok) await waitForWarm(server.url, apiKey, `floor-${i}`, minWarm);
      }
      const before = treeCpuSeconds(server.pid);
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      return { cpu: treeCpuSeconds(server.pid) - before, answers };
    } finally {
      await server.stop();
    }
  };
  const empty = await measure([]);
  const floors = await measure([4, 4]);
  const overbooked = await measure([5, 5]);
  console.log(`
Idle node, NUBO_MANAGER_MEMORY_MB=1024, ${idleMs / 1000} s, CPU of the server and all its workers:`);
  console.log(`  no function (base)                 ${empty.cpu.toFixed(2)} s`);
  console.log(
    `  floors 4 + 4 x 128 MB (fit)        ${floors.cpu.toFixed(2)} s  ratio to base ${(floors.cpu / Math.max(empty.cpu, 0.01)).toFixed(2)}x  deploys ${floors.answers.join(', ')}`,
  );
  console.log(
    `  floors 5 + 5 x 128 MB (do not fit) ${overbooked.cpu.toFixed(2)} s  ratio to base ${(overbooked.cpu / Math.max(empty.cpu, 0.01)).toFixed(2)}x  deploys ${overbooked.answers.join(', ')} (the second refused)`,
  );
}

await main();
await idleFloorCpu();
