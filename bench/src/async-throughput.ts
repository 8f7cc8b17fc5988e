/**
 * Asynchronous invocation benchmark (`npm run bench:async`): in embedded mode (SQLite queue) and in
 * distributed mode (a gateway and a manager in their own processes, BullMQ on Redis), one run each:
 * 1. synchronous calls of a no-op function at concurrency 8 (the baseline);
 * 2. the same number of events queued at concurrency 8: accepted per second and enqueue latency;
 * 3. executed per second: from the first accept until every event's record exists.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { distributedBenchEnv } from './lib/distributed-env.js';
import { throughput } from './lib/measure.js';
import { noop } from './lib/noop-function.js';
import { json, startManager, startServer } from './lib/server.js';
import { ms, summarise } from './lib/stats.js';

const events = Number(process.env.BENCH_ASYNC_EVENTS ?? 3000);
const concurrency = 8;
const syncMs = Number(process.env.BENCH_THROUGHPUT_MS ?? 5000);

interface Result {
  mode: string;
  syncRps: number;
  acceptedPerSecond: number;
  executedPerSecond: number;
  enqueue: { p50: number; p99: number };
}

async function measure(mode: string, url: string): Promise<Result> {
  const { apiKey } = await json(`${url}/v1/auth/signup`, 'POST', { username: 'bench', password: 'benchmark-password' });
  await json(
    `${url}/v1/functions/noop`,
    'PUT',
    {
      runtime: 'node22',
      handler: 'index.handler',
      code: { files: { 'index.mjs': noop } },
      maxConcurrency: concurrency,
      asyncConcurrency: concurrency,
      minWarm: concurrency,
      maxQueuedEvents: 1_000_000,
    },
    apiKey,
  );
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  const clients = new Pool(url, { connections: concurrency });
  const call = async (extra: Record<string, string> = {}) => {
    const res = await clients.request({
      path: '/v1/functions/noop/invoke',
      method: 'POST',
      body: '{}',
      headers: { ...headers, ...extra },
    });
    await res.body.text();
    return res.statusCode;
  };
  // Warm every worker, then the synchronous baseline.
  await Promise.all(Array.from({ length: concurrency * 4 }, () => call()));
  const syncRps = await throughput(concurrency, syncMs, async () => {
    if ((await call()) !== 200) throw new Error('a synchronous call failed');
  });
  const countOf = async () => (await json(`${url}/v1/functions/noop/stats`, 'GET', undefined, apiKey)).count as number;
  const before = await countOf();

  const latencies: number[] = [];
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < events) {
        sent++;
        const t = performance.now();
        const status = await call({ 'x-nubo-invocation-type': 'async' });
        latencies.push(performance.now() - t);
        if (status !== 202) throw new Error(`an async call answered ${status}`);
      }
    }),
  );
  const acceptedSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`  ${mode}: ${events} events accepted, waiting for them to run`);
  const giveUp = Date.now() + 300_000;
  while ((await countOf()) < before + events) {
    if (Date.now() > giveUp) throw new Error('the events did not all run within 5 minutes');
    process.stdout.write('.');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const executedSeconds = (performance.now() - started) / 1000;
  process.stdout.write('\n');
  await clients.close();
  const enqueue = summarise(latencies);
  return {
    mode,
    syncRps,
    acceptedPerSecond: events / acceptedSeconds,
    executedPerSecond: events / executedSeconds,
    enqueue: { p50: enqueue.p50, p99: enqueue.p99 },
  };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  console.log(
    `Measuring ${events} async events and ${syncMs / 1000} s of synchronous calls per mode, concurrency ${concurrency}…`,
  );
  const embedded = await startServer({ NODE_NO_WARNINGS: '1' });
  try {
    results.push(await measure('embedded (SQLite queue)', embedded.url));
  } finally {
    await embedded.stop();
  }
  const { env, drop } = await distributedBenchEnv();
  const manager = await startManager(env, '127.0.0.2');
  const gateway = await startServer(env, 'gateway');
  try {
    results.push(await measure('distributed (BullMQ on Redis)', gateway.url));
  } finally {
    await gateway.stop();
    await manager.stop();
    await drop();
  }

  console.log(`\nNubo async benchmark — ${new Date().toISOString()} — node ${process.version}`);
  console.log(
    `no-op function, ${concurrency} workers (maxConcurrency = asyncConcurrency = minWarm = ${concurrency}), clients at concurrency ${concurrency}`,
  );
  for (const r of results) {
    console.log(`\n${r.mode}:`);
    console.log(`  synchronous calls              ${r.syncRps.toFixed(0)} /s`);
    console.log(
      `  async events accepted          ${r.acceptedPerSecond.toFixed(0)} /s   (${(r.acceptedPerSecond / r.syncRps).toFixed(2)}x the synchronous rate)`,
    );
    console.log(
      `  async events executed          ${r.executedPerSecond.toFixed(0)} /s   (${(r.executedPerSecond / r.syncRps).toFixed(2)}x), from the first accept to the last record`,
    );
    console.log(`  enqueue latency                p50 ${ms(r.enqueue.p50)}  p99 ${ms(r.enqueue.p99)}`);
  }
}

await main();
