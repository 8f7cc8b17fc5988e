/**
 * Distributed-mode benchmark (`npm run bench:distributed`, services from scripts/services/start.sh):
 * a gateway and a manager in their own processes, Redis pool, MariaDB catalog, FerretDB log, S3 code.
 * 1. Warm latency, sequential: through the gateway against calling the same worker directly, and
 *    against a minimal proxy that takes and gives back the worker in the same Redis pool
 *    (lib/minimal-pool-proxy.ts); CPU per call of the gateway and of that proxy.
 * 2. Throughput at concurrency 32: through the gateway, and through two gateway processes, against
 *    32 bare runtime workers called directly; with how busy each process kept the machine's cores.
 */
import { Pool } from 'undici';
import { distributedBenchEnv } from './lib/distributed-env.js';
import { workerSecretHeader } from '@nubo/runtime';
import { microsPerCall, roundWithCpu, startBaseline } from './lib/baseline-process.js';
import { listeningPort } from './lib/listening-port.js';
import { deployNoop } from './lib/noop-function.js';
import { throughput, timeRequests } from './lib/measure.js';
import { startManager, startServer } from './lib/server.js';
import { ms, summarise } from './lib/stats.js';
import { poolWorkerSecret } from './lib/pool-worker-secret.js';
import { childrenOf, cpuDuring, scaleTo, startBareWorkers, viaGateways } from './lib/throughput-runs.js';

const warmRequests = Number(process.env.BENCH_WARM_REQUESTS ?? 4000);
const rounds = 10;
const concurrency = 32;
const throughputMs = Number(process.env.BENCH_THROUGHPUT_MS ?? 10_000);

async function main(): Promise<void> {
  const { env: services, drop } = await distributedBenchEnv();
  // Plain processes, so the worker can be called directly (its pid and port are the host's) for the baseline.
  const env = { ...services, NUBO_ISOLATION: 'off', NUBO_STEM_CELLS: '0' };
  const manager = await startManager(env, '127.0.0.2');
  const gateway = await startServer(env, 'gateway');
  let bare: Awaited<ReturnType<typeof startBareWorkers>> | undefined;
  try {
    const { apiKey, pid } = await deployNoop(gateway.url);
    const workerPort = await listeningPort(pid);
    // The pool keeps every worker's secret in its hash, where the gateways find it.
    const secret = await poolWorkerSecret(services.NUBO_REDIS_URL!, services.NUBO_REDIS_PREFIX!, `127.0.0.2:${workerPort}`);
    const viaGatewayPool = new Pool(gateway.url, { connections: 1 });
    const directPool = new Pool(`http://127.0.0.2:${workerPort}`, { connections: 1 });
    const proxyProcess = await startBaseline('minimal-pool-proxy.js', [
      `127.0.0.2:${workerPort}`,
      secret,
      services.NUBO_REDIS_URL!,
      `${services.NUBO_REDIS_PREFIX}minimal-proxy:`,
    ]);
    const viaProxyPool = new Pool(proxyProcess.url, { connections: 1 });
    const gatewayHeaders = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
    const directBody = JSON.stringify({ event: {}, context: { requestId: 'bench', deadlineMs: Date.now() + 3_600_000 } });
    const directHeaders = { 'content-type': 'application/json', [workerSecretHeader]: secret };

    await timeRequests(viaGatewayPool, '/v1/functions/noop/invoke', '{}', gatewayHeaders, 500);
    await timeRequests(directPool, '/invoke', directBody, directHeaders, 500);
    await timeRequests(viaProxyPool, '/invoke', directBody, { 'content-type': 'application/json' }, 500);
    const g: number[] = [];
    const d: number[] = [];
    const p: number[] = [];
    const gatewayWarmCpu = { seconds: 0, calls: 0 };
    const proxyWarmCpu = { seconds: 0, calls: 0 };
    const perRound = warmRequests / rounds;
    for (let round = 0; round < rounds; round++) {
      d.push(...(await timeRequests(directPool, '/invoke', directBody, directHeaders, perRound)));
      p.push(
        ...(await roundWithCpu(proxyProcess.pid, proxyWarmCpu, () =>
          timeRequests(viaProxyPool, '/invoke', directBody, { 'content-type': 'application/json' }, perRound),
        )),
      );
      g.push(
        ...(await roundWithCpu(gateway.pid, gatewayWarmCpu, () =>
          timeRequests(viaGatewayPool, '/v1/functions/noop/invoke', '{}', gatewayHeaders, perRound),
        )),
      );
    }
    await viaGatewayPool.close();
    await directPool.close();
    await viaProxyPool.close();
    proxyProcess.stop();
    const gs = summarise(g);
    const ds = summarise(d);
    const ps = summarise(p);

    // Throughput: 32 loops through the gateway (it scales the function to 32 workers) against 32
    // loops each calling its own bare runtime worker; then the same through two gateway processes.
    const gatewayClients = new Pool(gateway.url, { connections: concurrency });
    await scaleTo(gatewayClients, gatewayHeaders, concurrency);
    bare = await startBareWorkers(concurrency);
    const groups = (gateways: number[]) => ({
      gateway: gateways,
      manager: [manager.pid],
      'function workers': childrenOf(manager.pid),
      'bare workers': bare?.pids ?? [],
      client: [process.pid],
    });
    const [directRps, directCpu] = await cpuDuring(() => throughput(concurrency, throughputMs, bare!.send), groups([]));
    const [gatewayRps, gatewayCpu] = await cpuDuring(
      () => throughput(concurrency, throughputMs, viaGateways([gatewayClients], gatewayHeaders)),
      groups([gateway.pid]),
    );
    const second = await startServer(env, 'gateway');
    const secondClients = new Pool(second.url, { connections: concurrency / 2 });
    const [twoGatewayRps, twoGatewayCpu] = await cpuDuring(
      () => throughput(concurrency, throughputMs, viaGateways([gatewayClients, secondClients], gatewayHeaders)),
      groups([gateway.pid, second.pid]),
    );
    await secondClients.close();
    await second.stop();
    await gatewayClients.close();

    console.log(`\nNubo distributed benchmark — ${new Date().toISOString()} — node ${process.version}`);
    console.log('gateway and manager in their own processes; Redis pool, MariaDB catalog, FerretDB log, s3rver code');
    console.log(`\nWarm invoke, no-op function, sequential, ${warmRequests} requests per path (keep-alive):`);
    console.log(`  direct to the worker runtime     p50 ${ms(ds.p50)}  p99 ${ms(ds.p99)}`);
    console.log(`  through the gateway (Redis pool) p50 ${ms(gs.p50)}  p99 ${ms(gs.p99)}`);
    console.log(
      `  gateway overhead                 p50 +${ms(gs.p50 - ds.p50)}  p99 +${ms(gs.p99 - ds.p99)}   ratio p50 ${(gs.p50 / ds.p50).toFixed(2)}x`,
    );
    console.log(`  target: p50 within 0.5 ms of direct → ${gs.p50 - ds.p50 <= 0.5 ? 'MET' : 'NOT MET'}`);
    console.log(`  minimal proxy on the Redis pool  p50 ${ms(ps.p50)}  p99 ${ms(ps.p99)}   overhead p50 +${ms(ps.p50 - ds.p50)}`);
    console.log(
      `  CPU per call: gateway ${microsPerCall(gatewayWarmCpu).toFixed(0)} µs, minimal proxy on the Redis pool ${microsPerCall(proxyWarmCpu).toFixed(0)} µs   ratio ${(microsPerCall(gatewayWarmCpu) / microsPerCall(proxyWarmCpu)).toFixed(2)}x`,
    );
    console.log(`\nThroughput at concurrency ${concurrency}, ${throughputMs / 1000} s each:`);
    console.log(`  32 bare workers called directly   ${directRps.toFixed(0)} req/s`);
    console.log(`      ${directCpu}`);
    console.log(
      `  through the gateway               ${gatewayRps.toFixed(0)} req/s   ratio ${(gatewayRps / directRps).toFixed(2)}x`,
    );
    console.log(`      ${gatewayCpu}`);
    console.log(
      `  through two gateway processes     ${twoGatewayRps.toFixed(0)} req/s   ratio ${(twoGatewayRps / directRps).toFixed(2)}x  (${(twoGatewayRps / gatewayRps).toFixed(2)}x one gateway)`,
    );
    console.log(`      ${twoGatewayCpu}`);
  } finally {
    bare?.stop();
    await gateway.stop();
    await manager.stop();
    await drop();
  }
}

await main();
