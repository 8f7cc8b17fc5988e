/**
 * What freezing idle workers costs and saves (npm run bench:freeze), freezing on (NUBO_FREEZE_AFTER_MS
 * 100) against off (an hour), same run, isolated process sandbox:
 * - idle CPU: 100 workers whose function keeps a busy loop running after its call, then a window in
 *   which nothing calls them: the CPU their processes use;
 * - the thaw: a call after a pause long enough to be frozen, against the same pause unfrozen (and a
 *   call right after another, for scale).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSnapshot, descendantsCpuSecondsBetween } from './lib/process-tree-cpu.js';
import { json, startServer } from './lib/server.js';
import { ms, summarise } from './lib/stats.js';

const workers = Number(process.env.BENCH_FREEZE_WORKERS ?? 100);
const windowMs = Number(process.env.BENCH_FREEZE_WINDOW_MS ?? 5000);
const pauses = Number(process.env.BENCH_FREEZE_PAUSES ?? 40);

/** After its call it waits (so all the workers start first), then spins forever in slices. */
const spinner = `let started = false;
export const handler = async (event) => {
  if (!started) {
    started = true;
    setTimeout(() => setInterval(() => { const t = Date.now(); while (Date.now() - t < 50); }, 0), event.spinAfterMs);
  }
  await new Promise((resolve) => setTimeout(resolve, event.holdMs));
  return 'ok';
};`;

type Server = Awaited<ReturnType<typeof startServer>> & { key: string };

async function serverWith(freezeAfterMs: number, code: string, maxConcurrency: number): Promise<Server> {
  const server = await startServer({
    NODE_NO_WARNINGS: '1',
    NUBO_ISOLATION: 'required',
    NUBO_STEM_CELLS: '0',
    NUBO_FREEZE_AFTER_MS: String(freezeAfterMs),
    NUBO_MANAGER_CAPACITY: String(workers + 10),
  });
  const { apiKey } = await json(`${server.url}/v1/auth/signup`, 'POST', { username: 'bench', password: 'benchmark-password' });
  await json(
    `${server.url}/v1/functions/fn`,
    'PUT',
    { runtime: 'node20', handler: 'index.handler', memoryMb: 64, maxConcurrency, code: { files: { 'index.mjs': code } } },
    apiKey,
  );
  return { ...server, key: apiKey };
}

const invoke = (server: Server, event: unknown) =>
  fetch(`${server.url}/v1/functions/fn/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.key}` },
    body: JSON.stringify(event),
  }).then(async (res) => {
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`invoke answered ${res.status}`);
  });

/** The CPU the server's workers (every process below it but itself) use in a window of no calls. */
async function idleCpu(freezeAfterMs: number): Promise<number> {
  const server = await serverWith(freezeAfterMs, spinner, workers);
  try {
    const spinAfterMs = 10_000;
    const started = performance.now();
    // All at once, each holding its worker a little, so each gets a worker of its own.
    await Promise.all(Array.from({ length: workers }, () => invoke(server, { holdMs: 1500, spinAfterMs })));
    const spinning = started + spinAfterMs + 1000;
    if (performance.now() > spinning) throw new Error(`starting ${workers} workers took longer than ${spinAfterMs} ms`);
    await sleep(spinning - performance.now());
    const before = cpuSnapshot();
    await sleep(windowMs);
    return descendantsCpuSecondsBetween(before, cpuSnapshot(), server.pid);
  } finally {
    await server.stop();
  }
}

/** Latency of a call after a pause of `pauseMs` on each server, servers alternating. */
async function afterPauses(servers: Record<'frozen' | 'unfrozen', Server>): Promise<Record<string, number[]>> {
  const noop = { holdMs: 0, spinAfterMs: 1e9 };
  const samples: Record<string, number[]> = { frozen: [], unfrozen: [], back2back: [] };
  for (const server of Object.values(servers)) for (let i = 0; i < 20; i++) await invoke(server, noop);
  for (let round = 0; round < pauses; round++) {
    for (const [kind, server] of Object.entries(servers)) {
      // Long enough for the freezer (100 ms idle, checked every 50 ms) to have frozen it.
      await sleep(400);
      const t0 = performance.now();
      await invoke(server, noop);
      samples[kind]!.push(performance.now() - t0);
      if (kind === 'unfrozen') {
        const t1 = performance.now();
        await invoke(server, noop);
        samples.back2back!.push(performance.now() - t1);
      }
    }
  }
  return samples;
}

async function main(): Promise<void> {
  console.log(`Idle CPU of ${workers} workers that keep spinning after their call, over ${windowMs} ms of no calls:`);
  const off = await idleCpu(3_600_000);
  const on = await idleCpu(100);
  const cores = (seconds: number) => `${(seconds / (windowMs / 1000)).toFixed(3)} cores (${seconds.toFixed(2)} CPU s)`;
  console.log(`  not frozen: ${cores(off)}`);
  console.log(`  frozen:     ${cores(on)}   (${(on / off).toFixed(4)}× of not frozen)`);

  const servers = {
    frozen: await serverWith(100, spinner, 10),
    unfrozen: await serverWith(3_600_000, spinner, 10),
  };
  try {
    const samples = await afterPauses(servers);
    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarise(v)]));
    console.log(`\nA warm call after a 400 ms pause (${pauses} each, servers alternating), client-side:`);
    console.log(`  frozen in the pause (thawed by the call): p50 ${ms(s.frozen!.p50)}  p99 ${ms(s.frozen!.p99)}`);
    console.log(`  not frozen:                               p50 ${ms(s.unfrozen!.p50)}  p99 ${ms(s.unfrozen!.p99)}`);
    console.log(`  right after another call:                 p50 ${ms(s.back2back!.p50)}  p99 ${ms(s.back2back!.p99)}`);
    console.log(`  the thaw adds p50 ${ms(s.frozen!.p50 - s.unfrozen!.p50)} to a call after a pause`);
  } finally {
    await servers.frozen.stop();
    await servers.unfrozen.stop();
  }
}

await main();
