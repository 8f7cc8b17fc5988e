/**
 * Docker sandbox benchmark (`npm run bench:docker`, after scripts/services/docker.sh): cold starts
 * through Nubo's manager, broken down into code fetch, container create, container start and
 * runtime ready, against a plain `docker run` of the same image to its first HTTP answer; then the
 * memory one idle worker container holds.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { bundleFromFiles, createLogger, type WorkerSpec } from '@nubo/core';
import { CodeCache, DockerSandbox, EgressPolicy, Manager, defaultImages, type StartTimings } from '@nubo/manager';
import { MemoryWorkerPool } from '@nubo/pool';
import { FsCodeStore } from '@nubo/stores';
import { ms, summarise } from './lib/stats.js';
import { plainDockerRun } from './lib/plain-docker-run.js';

const starts = Number(process.env.BENCH_COLD_STARTS ?? 20);
const noop = 'export const handler = async () => ({ ok: true });\n';

async function main(): Promise<void> {
  const docker = new Docker();
  const logger = createLogger({ level: 'silent' });
  const dir = await mkdtemp(join(tmpdir(), 'nubo-bench-docker-'));
  const codeDir = join(dir, 'plain');
  await (await import('node:fs/promises')).mkdir(codeDir);
  await writeFile(join(codeDir, 'index.mjs'), noop);
  const store = new FsCodeStore(join(dir, 'code'));
  let lastStart: StartTimings | undefined;
  const sandbox = await DockerSandbox.open({
    docker,
    managerId: `bench-${process.pid}`,
    advertiseIp: '127.0.0.1',
    workDir: join(dir, 'workers'),
    relaySockets: false,
    ports: { from: 32000, to: 32999 },
    egress: new EgressPolicy(),
    logger,
    onStartTimings: (timings) => {
      lastStart = timings;
    },
  });
  const cache = new CodeCache({ dir: join(dir, 'cache'), store, limits: { maxBytes: 1e7, maxUnzippedBytes: 1e8 } });
  const manager = new Manager({
    id: `bench-${process.pid}`,
    sandbox,
    codeCache: cache,
    pool: new MemoryWorkerPool(),
    logger,
    reapIntervalMs: 3_600_000,
    capacity: { workers: 1000, memoryMb: 1_000_000 },
    maxConcurrentStarts: 8,
  });
  try {
    const fetchMs: number[] = [];
    const create: number[] = [];
    const start: number[] = [];
    const ready: number[] = [];
    const total: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < starts; i++) {
      // Every start gets code it has never seen, so the fetch and unpack are real.
      const digest = await store.put(
        bundleFromFiles({ 'index.mjs': `${noop}// ${i} ${Date.now()}\n` }, { maxBytes: 1e6, maxUnzippedBytes: 1e6 }).zip,
      );
      const spec: WorkerSpec = {
        functionId: 'bench',
        functionName: 'bench',
        version: i + 1,
        runtime: 'node20',
        network: 'egress',
        handler: 'index.handler',
        codeDigest: digest,
        env: {},
        memoryMb: 128,
        timeoutMs: 3000,
        idleTtlMs: 60_000,
        minWarm: 0,
      };
      const t0 = performance.now();
      await cache.dirFor(digest);
      const fetched = performance.now() - t0;
      const worker = await manager.startWorker(spec);
      total.push(performance.now() - t0);
      fetchMs.push(fetched);
      create.push(lastStart!.createMs);
      start.push(lastStart!.startMs);
      ready.push(lastStart!.readyMs);
      await manager.destroyWorker(worker.id);
      baseline.push(await plainDockerRun(docker, { image: defaultImages.node20, handler: 'index.handler', codeDir }));
    }
    // Memory of idle workers: start ten, let them settle, read the engine's figure for each.
    const idle = [];
    for (let i = 0; i < 10; i++) {
      const digest = await store.put(bundleFromFiles({ 'index.mjs': noop }, { maxBytes: 1e6, maxUnzippedBytes: 1e6 }).zip);
      idle.push(
        await manager.startWorker({
          functionId: 'idle',
          functionName: 'idle',
          version: 1,
          runtime: 'node20',
          network: 'egress',
          handler: 'index.handler',
          codeDigest: digest,
          env: {},
          memoryMb: 128,
          timeoutMs: 3000,
          idleTtlMs: 60_000,
          minWarm: 0,
        }),
      );
    }
    const usages: number[] = [];
    for (const worker of idle) {
      const containers = await docker.listContainers({ filters: { label: [`nubo.worker=${worker.id}`] } });
      const stats = (await docker.getContainer(containers[0]!.Id).stats({ stream: false })) as unknown as {
        memory_stats: { usage: number; stats?: { cache?: number } };
      };
      usages.push((stats.memory_stats.usage - (stats.memory_stats.stats?.cache ?? 0)) / 1024 / 1024);
    }
    const t = summarise(total);
    const b = summarise(baseline);
    console.log(
      `\nNubo Docker sandbox benchmark — ${new Date().toISOString()} — ${starts} cold starts, image ${defaultImages.node20}`,
    );
    console.log(`  code fetch + unpack   p50 ${ms(summarise(fetchMs).p50)}`);
    console.log(`  container create      p50 ${ms(summarise(create).p50)}`);
    console.log(`  container start       p50 ${ms(summarise(start).p50)}`);
    console.log(`  runtime ready         p50 ${ms(summarise(ready).p50)}`);
    console.log(`  Nubo cold start total p50 ${ms(t.p50)}  p99 ${ms(t.p99)}`);
    console.log(`  plain docker run → first answer   p50 ${ms(b.p50)}  p99 ${ms(b.p99)}`);
    console.log(`  ratio p50 ${(t.p50 / b.p50).toFixed(2)}x   target ≤ 1.2x → ${t.p50 / b.p50 <= 1.2 ? 'MET' : 'NOT MET'}`);
    console.log(
      `\nIdle worker container memory (engine figure, without page cache), 10 containers: mean ${(usages.reduce((a, c) => a + c, 0) / usages.length).toFixed(1)} MB`,
    );
  } finally {
    await manager.stop();
  }
}

await main();
