import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { workerSecretHeader } from '@nubo/runtime';
import { listeningPort } from './lib/listening-port.js';
import { deployNoop, noop } from './lib/noop-function.js';
import { json, startServer, freePort } from './lib/server.js';
import { ms, summarise } from './lib/stats.js';
import { throughput, timeRequests } from './lib/measure.js';
import { childrenOf, cpuDuring, scaleTo, startBareWorkers, viaGateways, viaMinimalProxy } from './lib/throughput-runs.js';
import { microsPerCall, roundWithCpu, startBaseline } from './lib/baseline-process.js';
import { bareSecret, spawnBareRuntime, untilHealthy } from './lib/bare-runtime.js';
import { pythonWarmPath } from './lib/python-warm-path.js';

const warmRequests = Number(process.env.BENCH_WARM_REQUESTS ?? 4000);
const rounds = 10;
const coldStarts = Number(process.env.BENCH_COLD_STARTS ?? 20);
const concurrency = 32;
const fewLoops = 8;
const throughputMs = Number(process.env.BENCH_THROUGHPUT_MS ?? 10_000);

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

/** The port the worker listens on (found from its pid, or its newest container's), and its secret (from the server). */
async function workerOf(server: BenchServer, pid: number): Promise<{ port: number; secret: string }> {
  const port = sandbox === 'process' ? await listeningPort(pid) : await newestContainerPort();
  const known = (await server.workers()).find((w) => w.address.endsWith(`:${port}`));
  if (!known) throw new Error(`the server runs no worker on port ${port}`);
  return { port, secret: known.secret };
}

async function newestContainerPort(): Promise<number> {
  const { default: Docker } = await import('dockerode');
  const [newest] = (await new Docker().listContainers({ filters: { label: ['nubo.worker'] } })).sort(
    (a, b) => b.Created - a.Created,
  );
  const port = newest?.Ports.find((p) => p.PrivatePort === 8080)?.PublicPort;
  if (!port) throw new Error('no worker container found');
  return port;
}

type BenchServer = Awaited<ReturnType<typeof startServer>> & { apiKey: string; headers: Record<string, string> };

/** A server with the no-op function deployed and its first worker started. */
async function serverWithNoop(env: Record<string, string>): Promise<BenchServer & { workerPid: number }> {
  // No stem cells: the cold starts here are measured against a bare spawn (bench:cold measures stem cells).
  const server = await startServer({ NUBO_STEM_CELLS: '0', ...env }, 'harness');
  const { apiKey, pid } = await deployNoop(server.url);
  return {
    ...server,
    apiKey,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    workerPid: pid,
  };
}

/** One cold start: a deploy makes a new version, whose first call starts a new worker. Answers the call's time and initMs. */
async function coldStart(server: BenchServer, i: number): Promise<{ total: number; init: number }> {
  await json(
    `${server.url}/v1/functions/noop`,
    'PUT',
    { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': `${noop}// ${i}\n` } } },
    server.apiKey,
  );
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/functions/noop/invoke`, { method: 'POST', headers: server.headers, body: '{}' });
  await res.text();
  const total = performance.now() - started;
  if (res.headers.get('x-nubo-cold-start') !== 'true') throw new Error('expected a cold start');
  const [record] = await json(`${server.url}/v1/functions/noop/logs?limit=1`, 'GET', undefined, server.apiKey);
  return { total, init: record.initMs };
}

/**
 * The isolated process sandbox (bubblewrap, cgroup, slirp4netns) against plain processes, in the
 * same run, rounds alternating: warm calls through each gateway, and cold starts.
 */
async function isolationCost(plain: BenchServer): Promise<void> {
  const isolated = await serverWithNoop({ NUBO_SANDBOX: 'process', NUBO_ISOLATION: 'required' });
  try {
    const pools = { plain: new Pool(plain.url, { connections: 1 }), isolated: new Pool(isolated.url, { connections: 1 }) };
    const warm = { plain: [] as number[], isolated: [] as number[] };
    const path = '/v1/functions/noop/invoke';
    for (const kind of ['plain', 'isolated'] as const)
      await timeRequests(pools[kind], path, '{}', kind === 'plain' ? plain.headers : isolated.headers, 500);
    for (let round = 0; round < rounds; round++) {
      warm.plain.push(...(await timeRequests(pools.plain, path, '{}', plain.headers, warmRequests / rounds)));
      warm.isolated.push(...(await timeRequests(pools.isolated, path, '{}', isolated.headers, warmRequests / rounds)));
    }
    await pools.plain.close();
    await pools.isolated.close();
    const cold = { plain: [] as number[], isolated: [] as number[] };
    const init = { plain: [] as number[], isolated: [] as number[] };
    for (let i = 0; i < coldStarts; i++) {
      for (const [kind, server] of [
        ['plain', plain],
        ['isolated', isolated],
      ] as const) {
        const sample = await coldStart(server, 1000 + i);
        cold[kind].push(sample.total);
        init[kind].push(sample.init);
      }
    }
    const w = { plain: summarise(warm.plain), isolated: summarise(warm.isolated) };
    const c = { plain: summarise(cold.plain), isolated: summarise(cold.isolated) };
    const n = { plain: summarise(init.plain), isolated: summarise(init.isolated) };
    console.log(`
Isolation: bubblewrap + cgroup + slirp4netns vs plain processes (NUBO_ISOLATION=off), same run, rounds alternating:`);
    console.log(
      `  warm through the gateway   plain p50 ${ms(w.plain.p50)}  isolated p50 ${ms(w.isolated.p50)}  (+${ms(w.isolated.p50 - w.plain.p50)})`,
    );
    console.log(
      `                             plain p99 ${ms(w.plain.p99)}  isolated p99 ${ms(w.isolated.p99)}  (+${ms(w.isolated.p99 - w.plain.p99)})`,
    );
    console.log(
      `  worker start (initMs)      plain p50 ${ms(n.plain.p50)}  isolated p50 ${ms(n.isolated.p50)}  (+${ms(n.isolated.p50 - n.plain.p50)})`,
    );
    console.log(
      `  cold invoke                plain p50 ${ms(c.plain.p50)}  isolated p50 ${ms(c.isolated.p50)}  (+${ms(c.isolated.p50 - c.plain.p50)})`,
    );
    console.log(`  target: cold start at most +20 ms → ${n.isolated.p50 - n.plain.p50 <= 20 ? 'MET' : 'NOT MET'}`);
  } finally {
    await isolated.stop();
  }
}

async function main(): Promise<void> {
  // Plain processes, so the worker can be called directly (its pid and port are the host's) for the baseline.
  const server = await serverWithNoop({ NUBO_SANDBOX: sandbox, ...(sandbox === 'process' ? { NUBO_ISOLATION: 'off' } : {}) });
  const { apiKey, workerPid } = server;
  try {
    const { port: workerPort, secret } = await workerOf(server, workerPid);
    const proxyProcess = await startBaseline('minimal-proxy.js', [String(workerPort), secret]);
    const proxy = new Pool(proxyProcess.url, { connections: 1 });
    const bareProcess = await startBaseline('bare-json-server.js', []);
    const bareServer = new Pool(bareProcess.url, { connections: 1 });

    const gateway = new Pool(server.url, { connections: 1 });
    const direct = new Pool(`http://127.0.0.1:${workerPort}`, { connections: 1 });
    const gatewayHeaders = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
    const directHeaders = { 'content-type': 'application/json', [workerSecretHeader]: secret };
    const directBody = JSON.stringify({ event: {}, context: { requestId: 'bench', deadlineMs: Date.now() + 3_600_000 } });

    // Warm both paths up, then alternate rounds so drift on the machine hits both alike.
    await timeRequests(gateway, '/v1/functions/noop/invoke', '{}', gatewayHeaders, 500);
    await timeRequests(direct, '/invoke', directBody, directHeaders, 500);
    const proxyHeaders = { 'content-type': 'application/json' };
    await timeRequests(proxy, '/invoke', directBody, proxyHeaders, 500);
    await timeRequests(bareServer, '/invoke', directBody, proxyHeaders, 500);
    const viaGateway: number[] = [];
    const viaDirect: number[] = [];
    const viaProxy: number[] = [];
    const gatewayCpu = { seconds: 0, calls: 0 };
    const proxyCpu = { seconds: 0, calls: 0 };
    const workerCpu = { seconds: 0, calls: 0 };
    const bareCpu = { seconds: 0, calls: 0 };
    const perRound = warmRequests / rounds;
    for (let round = 0; round < rounds; round++) {
      const directRound = () => timeRequests(direct, '/invoke', directBody, directHeaders, perRound);
      // A container's worker pid is the container's own, not the host's: its CPU is not read.
      viaDirect.push(...(await (sandbox === 'process' ? roundWithCpu(workerPid, workerCpu, directRound) : directRound())));
      await roundWithCpu(bareProcess.pid, bareCpu, () => timeRequests(bareServer, '/invoke', directBody, proxyHeaders, perRound));
      viaProxy.push(
        ...(await roundWithCpu(proxyProcess.pid, proxyCpu, () =>
          timeRequests(proxy, '/invoke', directBody, proxyHeaders, perRound),
        )),
      );
      viaGateway.push(
        ...(await roundWithCpu(server.pid, gatewayCpu, () =>
          timeRequests(gateway, '/v1/functions/noop/invoke', '{}', gatewayHeaders, perRound),
        )),
      );
    }
    // A larger result (what the gateway passes on as the worker wrote it) through both, in the same rounds.
    const payloadEvent = { items: 1000 };
    const payloadBody = JSON.stringify({
      event: payloadEvent,
      context: { requestId: 'bench', deadlineMs: Date.now() + 3_600_000 },
    });
    const payloadBytes = (
      await (
        await fetch(`${server.url}/v1/functions/noop/invoke`, {
          method: 'POST',
          headers: gatewayHeaders,
          body: JSON.stringify(payloadEvent),
        })
      ).arrayBuffer()
    ).byteLength;
    const payloadGatewayCpu = { seconds: 0, calls: 0 };
    const payloadProxyCpu = { seconds: 0, calls: 0 };
    for (let round = 0; round < rounds; round++) {
      await roundWithCpu(proxyProcess.pid, payloadProxyCpu, () =>
        timeRequests(proxy, '/invoke', payloadBody, proxyHeaders, perRound / 4),
      );
      await roundWithCpu(server.pid, payloadGatewayCpu, () =>
        timeRequests(gateway, '/v1/functions/noop/invoke', JSON.stringify(payloadEvent), gatewayHeaders, perRound / 4),
      );
    }
    await gateway.close();
    await direct.close();
    await proxy.close();
    await bareServer.close();
    proxyProcess.stop();
    bareProcess.stop();
    const g = summarise(viaGateway);
    const d = summarise(viaDirect);
    const p = summarise(viaProxy);
    const python = await pythonWarmPath(server, (pid) => workerOf(server, pid), warmRequests / 4, rounds);

    // Throughput at concurrency 32: through the gateway (the function scales to 32 workers) against
    // 32 loops each calling a bare runtime worker of its own.
    const gatewayClients = new Pool(server.url, { connections: concurrency });
    await scaleTo(gatewayClients, gatewayHeaders, concurrency);
    const bareWorkers = await startBareWorkers(concurrency);
    const groups = () => ({
      'nubo server': [server.pid],
      'function workers': childrenOf(server.pid),
      'bare workers': bareWorkers.pids,
      client: [process.pid],
    });
    const [directRps, directShares] = await cpuDuring(() => throughput(concurrency, throughputMs, bareWorkers.send), groups());
    const [gatewayRps, gatewayShares] = await cpuDuring(
      () => throughput(concurrency, throughputMs, viaGateways([gatewayClients], gatewayHeaders)),
      groups(),
    );
    // Fewer calls in flight than warm workers: 8 loops on the function's 32 workers against 8 bare workers.
    const [fewRps, fewShares] = await cpuDuring(
      () => throughput(fewLoops, throughputMs, viaGateways([gatewayClients], gatewayHeaders)),
      groups(),
    );
    const fewDirectRps = await throughput(fewLoops, throughputMs, bareWorkers.send);
    // The minimal proxy in front of the same 32 bare workers: what a bare Node proxy reaches here.
    const fanOut = await startBaseline('minimal-proxy.js', [bareWorkers.ports.join(','), bareSecret]);
    const fanOutClients = new Pool(fanOut.url, { connections: concurrency });
    const [proxyRps, proxyShares] = await cpuDuring(() => throughput(concurrency, throughputMs, viaMinimalProxy(fanOutClients)), {
      ...groups(),
      'minimal proxy': [fanOut.pid],
    });
    await fanOutClients.close();
    fanOut.stop();
    bareWorkers.stop();
    await gatewayClients.close();

    const coldTotals: number[] = [];
    const coldInits: number[] = [];
    for (let i = 0; i < coldStarts; i++) {
      const sample = await coldStart(server, i);
      coldTotals.push(sample.total);
      coldInits.push(sample.init);
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
    console.log(`  target: p50 within 0.2 ms of direct → ${g.p50 - d.p50 <= 0.2 ? 'MET' : 'NOT MET'}`);
    console.log(`  minimal undici proxy          p50 ${ms(p.p50)}  p99 ${ms(p.p99)}   overhead p50 +${ms(p.p50 - d.p50)}`);
    console.log(
      `  CPU per call: gateway ${microsPerCall(gatewayCpu).toFixed(0)} µs, minimal proxy ${microsPerCall(proxyCpu).toFixed(0)} µs   ratio ${(microsPerCall(gatewayCpu) / microsPerCall(proxyCpu)).toFixed(2)}x (target ≤ 1x)`,
    );
    console.log(
      `  CPU per call with a ${(payloadBytes / 1024).toFixed(0)} KiB result: gateway ${microsPerCall(payloadGatewayCpu).toFixed(0)} µs, minimal proxy ${microsPerCall(payloadProxyCpu).toFixed(0)} µs   ratio ${(microsPerCall(payloadGatewayCpu) / microsPerCall(payloadProxyCpu)).toFixed(2)}x`,
    );
    if (sandbox === 'process')
      console.log(
        `  worker runtime CPU per direct call ${microsPerCall(workerCpu).toFixed(0)} µs, bare node:http JSON server ${microsPerCall(bareCpu).toFixed(0)} µs   ratio ${(microsPerCall(workerCpu) / microsPerCall(bareCpu)).toFixed(2)}x`,
      );
    console.log(`\nWarm invoke, Python no-op, sequential, ${warmRequests / 4} requests per path:`);
    console.log(`  direct to the worker runtime  p50 ${ms(python.direct.p50)}  p99 ${ms(python.direct.p99)}`);
    console.log(
      `  through the gateway           p50 ${ms(python.gateway.p50)}  p99 ${ms(python.gateway.p99)}   overhead p50 +${ms(python.gateway.p50 - python.direct.p50)}`,
    );
    console.log(`\nThroughput at concurrency ${concurrency}, ${throughputMs / 1000} s each:`);
    console.log(`  ${concurrency} bare workers called directly   ${directRps.toFixed(0)} req/s`);
    console.log(`      ${directShares}`);
    console.log(
      `  through the gateway               ${gatewayRps.toFixed(0)} req/s   ratio ${(gatewayRps / directRps).toFixed(2)}x (target ≥ 0.5x)`,
    );
    console.log(`      ${gatewayShares}`);
    console.log(
      `  ${fewLoops} loops on the function's ${concurrency} warm workers ${fewRps.toFixed(0)} req/s   ratio ${(fewRps / fewDirectRps).toFixed(2)}x to ${fewLoops} bare workers called directly (${fewDirectRps.toFixed(0)} req/s)`,
    );
    console.log(`      ${fewShares}`);
    console.log(
      `  through the minimal proxy         ${proxyRps.toFixed(0)} req/s   ratio ${(proxyRps / directRps).toFixed(2)}x (in front of the 32 bare workers)`,
    );
    console.log(`      ${proxyShares}`);
    console.log(`\nCold start, ${sandbox} sandbox, ${coldStarts} starts (baseline: a bare runtime process):`);
    console.log(`  bare runtime spawn → first answer   p50 ${ms(baseline.p50)}  p99 ${ms(baseline.p99)}`);
    console.log(
      `  Nubo worker start (initMs)          p50 ${ms(init.p50)}  p99 ${ms(init.p99)}   ratio p50 ${(init.p50 / baseline.p50).toFixed(2)}x`,
    );
    console.log(`  cold invoke through the gateway     p50 ${ms(cold.p50)}  p99 ${ms(cold.p99)}`);
    if (sandbox === 'process') await isolationCost(server);
  } finally {
    await server.stop();
  }
}

await main();
