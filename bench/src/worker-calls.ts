import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { callWorker, WorkerConnections } from '@nubo/gateway';
import { nodeRuntimeScript, pythonRuntimeScript, resultOffsetHeader } from '@nubo/runtime';
import { Pool } from 'undici';
import { bareHeaders, bareSecret, untilHealthy } from './lib/bare-runtime.js';
import { freePort } from './lib/server.js';
import { processCpuSeconds } from './lib/process-tree-cpu.js';
import { ms, summarise } from './lib/stats.js';

/**
 * What a call to a worker costs the gateway and the worker: the framed protocol the gateway uses
 * (its own WorkerConnections) against HTTP through undici (how it called workers before), to the
 * same runtime worker, in alternating rounds. No gateway around it: only the hop is measured.
 */

const calls = Number(process.env.BENCH_WORKER_CALLS ?? 20_000);
const rounds = 10;

const runtimes = [
  {
    name: 'Node.js',
    command: [process.execPath, nodeRuntimeScript],
    file: 'index.mjs',
    handler: 'index.handler',
    code: 'export const handler = async () => ({ ok: true });\n',
  },
  {
    name: 'Python',
    command: ['python3', pythonRuntimeScript],
    file: 'app.py',
    handler: 'app.handler',
    code: 'def handler(event, context):\n    return {"ok": True}\n',
  },
];

const payload = () => JSON.stringify({ event: {}, context: { requestId: 'bench', deadlineMs: Date.now() + 60_000 } });

/** One call as the gateway made it over HTTP: the request, the whole body, the envelope parsed up to the result. */
async function httpCall(pool: Pool): Promise<void> {
  const response = await pool.request({ path: '/invoke', method: 'POST', headers: bareHeaders, body: payload() });
  const body = Buffer.from(await response.body.arrayBuffer());
  const offset = Number(response.headers[resultOffsetHeader]);
  JSON.parse(`${body.toString('utf8', 0, offset)}null}`);
}

interface Tally {
  samples: number[];
  ownCpu: number;
  workerCpu: number;
}

async function round(tally: Tally, workerPid: number, count: number, call: () => Promise<unknown>): Promise<void> {
  const [own, worker] = [process.cpuUsage(), processCpuSeconds(workerPid)];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call();
    tally.samples.push(performance.now() - started);
  }
  const used = process.cpuUsage(own);
  tally.ownCpu += (used.user + used.system) / 1e6;
  tally.workerCpu += processCpuSeconds(workerPid) - worker;
}

async function measure(runtime: (typeof runtimes)[number]) {
  const codeDir = await mkdtemp(join(tmpdir(), 'nubo-bench-worker-calls-'));
  await writeFile(join(codeDir, runtime.file), runtime.code);
  const port = await freePort();
  const [command, ...args] = runtime.command;
  const child = spawn(command!, args, {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NUBO_CODE_DIR: codeDir,
      NUBO_HANDLER: runtime.handler,
      NUBO_RUNTIME_PORT: String(port),
      NUBO_WORKER_SECRET: bareSecret,
    },
    stdio: 'ignore',
  });
  try {
    await untilHealthy(`http://127.0.0.1:${port}`);
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
    const connections = new WorkerConnections();
    const worker = { address: `127.0.0.1:${port}`, secret: bareSecret };
    const framedCall = async () => {
      const result = await callWorker(connections, worker, payload(), { timeoutMs: 60_000, maxReplyBytes: 1 << 20 });
      if (result.kind !== 'reply') throw new Error(`the framed call failed: ${JSON.stringify(result)}`);
    };
    const http: Tally = { samples: [], ownCpu: 0, workerCpu: 0 };
    const frames: Tally = { samples: [], ownCpu: 0, workerCpu: 0 };
    const perRound = calls / rounds;
    await round({ samples: [], ownCpu: 0, workerCpu: 0 }, child.pid!, perRound, () => httpCall(pool));
    await round({ samples: [], ownCpu: 0, workerCpu: 0 }, child.pid!, perRound, framedCall);
    for (let r = 0; r < rounds; r++) {
      process.stdout.write(`\r  ${runtime.name}: round ${r + 1} of ${rounds}`);
      await round(http, child.pid!, perRound, () => httpCall(pool));
      await round(frames, child.pid!, perRound, framedCall);
    }
    process.stdout.write('\n');
    await pool.close();
    connections.close();
    return { http, frames };
  } finally {
    child.kill('SIGKILL');
  }
}

const micros = (seconds: number) => `${((seconds / calls) * 1e6).toFixed(0)} µs`;

console.log(`Calls to one worker, ${calls} per protocol, sequential, ${rounds} alternating rounds — node ${process.version}`);
for (const runtime of runtimes) {
  const { http, frames } = await measure(runtime);
  const [h, f] = [summarise(http.samples), summarise(frames.samples)];
  console.log(`  ${runtime.name}`);
  console.log(
    `    HTTP through undici  p50 ${ms(h.p50)}  p99 ${ms(h.p99)}  caller CPU ${micros(http.ownCpu)}  worker CPU ${micros(http.workerCpu)}`,
  );
  console.log(
    `    frames               p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  caller CPU ${micros(frames.ownCpu)}  worker CPU ${micros(frames.workerCpu)}`,
  );
  console.log(
    `    frames / HTTP        p50 ${(f.p50 / h.p50).toFixed(2)}x  caller CPU ${(frames.ownCpu / http.ownCpu).toFixed(2)}x  worker CPU ${(frames.workerCpu / http.workerCpu).toFixed(2)}x`,
  );
}
