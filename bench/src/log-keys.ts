import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger, newRequestId, type InvocationLog, type InvocationRecord } from '@nubo/core';
import { MongoInvocationLog, SqliteInvocationLog } from '@nubo/stores';
import { MongoClient } from 'mongodb';
import { servicesEnv } from './lib/distributed-env.js';

/**
 * What the request id's shape costs the invocation logs: random UUIDs (version 4, the baseline)
 * against the time-ordered ones Nubo mints (version 7), written the way the gateway writes them
 * (batches of 100, about what one 100 ms SQLite batch holds at 1,000 calls a second), into logs
 * that already hold many records.
 */

const logger = createLogger({ level: 'warn' });
const kinds = [
  { name: 'random (v4)', mint: () => randomUUID() },
  { name: 'time-ordered (v7)', mint: newRequestId },
] as const;

const record = (requestId: string): InvocationRecord => ({
  requestId,
  correlationId: null,
  attempt: 1,
  ownerId: 'usr_bench',
  functionId: 'fn_bench',
  functionName: 'noop',
  version: 1,
  trigger: 'http',
  startedAt: Date.now(),
  durationMs: 0.42,
  initMs: null,
  cold: false,
  stemCell: false,
  queueMs: 0,
  memoryUsedMb: 41.5,
  memoryLimitMb: 128,
  status: 'ok',
  errorType: null,
  errorMessage: null,
  logs: '',
  logsTruncated: false,
  workerId: 'wrk_bench',
});

async function writeBatches(log: InvocationLog, mint: () => string, batches: number, size: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < size; i++) log.append(record(mint()));
    await log.flush();
  }
}

/** Fills the log to `total` records, then answers CPU and wall time per record over 10,000 more. */
async function measure(log: InvocationLog, mint: () => string, filled: number, total: number) {
  await writeBatches(log, mint, (total - filled) / 1000, 1000);
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await writeBatches(log, mint, 100, 100);
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / 10_000, wallUs: ((performance.now() - wall) * 1000) / 10_000 };
}

async function compare(store: string, sizes: number[], open: () => Promise<{ log: InvocationLog; close(): Promise<void> }>) {
  console.log(`\n${store}: µs per record written, random ids vs time-ordered ids`);
  const results = new Map<string, { cpuUs: number; wallUs: number }[]>();
  for (const kind of kinds) {
    const { log, close } = await open();
    const rows = [];
    let filled = 0;
    for (const size of sizes) {
      process.stdout.write(`  ${kind.name}: filling to ${size.toLocaleString('en')} records…\n`);
      rows.push(await measure(log, kind.mint, filled, size));
      filled = size + 10_000;
    }
    results.set(kind.name, rows);
    await close();
  }
  const [random, ordered] = kinds.map((kind) => results.get(kind.name)!);
  for (const [i, size] of sizes.entries()) {
    const r = random![i]!;
    const o = ordered![i]!;
    console.log(
      `  after ${size.toLocaleString('en').padStart(9)}: CPU ${r.cpuUs.toFixed(1)} → ${o.cpuUs.toFixed(1)} (${(o.cpuUs / r.cpuUs).toFixed(2)}×), wall ${r.wallUs.toFixed(1)} → ${o.wallUs.toFixed(1)} (${(o.wallUs / r.wallUs).toFixed(2)}×)`,
    );
  }
}

await compare('Embedded log (SQLite)', [10_000, 250_000, 1_000_000], async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nubo-bench-log-'));
  const log = new SqliteInvocationLog(join(dir, 'invocations.db'), { logger, bufferMax: 50_000 });
  return {
    log,
    close: async () => {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const services = await servicesEnv();
await compare('Distributed log (MongoDB API; FerretDB here)', [100_000], async () => {
  const database = `nubo_bench_log_${randomBytes(4).toString('hex')}`;
  const log = await MongoInvocationLog.connect({
    url: services.NUBO_TEST_MONGO_URL!,
    database,
    logger,
    bufferMax: 50_000,
    batchDelayMs: 250,
  });
  return {
    log,
    close: async () => {
      await log.close();
      const client = await MongoClient.connect(services.NUBO_TEST_MONGO_URL!);
      await client.db(database).dropDatabase();
      await client.close();
    },
  };
});
