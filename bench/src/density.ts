/**
 * Density benchmark (`npm run bench:density`), one run: how much of a node one idle worker takes,
 * and so how many idle workers one node holds. For the process sandbox (isolated where the machine
 * can) and the Docker sandbox, for Node (node22) and Python, it measures what the machine loses
 * (MemAvailable in /proc/meminfo) per idle worker, per stem cell and per worker specialised from a
 * stem cell, and per idle worker the server's open files, the machine's processes, its listening
 * TCP ports (the seed's port exhaustion) and connected sockets; then divides the node's memory and
 * limits by them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { json, startServer } from './lib/server.js';

// At most 64: the most stem cells per kind a manager keeps (NUBO_STEM_CELLS).
const workers = Number(process.env.BENCH_DENSITY_WORKERS ?? 64);
const settleTimeoutMs = 300_000;

const runtimes = {
  node22: { handler: 'index.handler', files: { 'index.mjs': 'export const handler = async () => ({ ok: true });\n' } },
  'python3.11': { handler: 'app.handler', files: { 'app.py': 'def handler(event, context):\n    return {"ok": True}\n' } },
} as const;
type Runtime = keyof typeof runtimes;
type SandboxKind = 'process' | 'docker';

async function meminfo(field: string): Promise<number> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
  return kib / 1024;
}

/** MemAvailable in MiB once it stops moving (two readings a second apart within 2 MiB). */
async function settledAvailable(): Promise<number> {
  let last = await meminfo('MemAvailable');
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await meminfo('MemAvailable');
    if (Math.abs(now - last) < 2) return now;
    last = now;
  }
  return last;
}

const openFiles = async (pid: number) => (await readdir(`/proc/${pid}/fd`)).length;
const processCount = async () => (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).length;
const lines = (text: string) => text.split('\n').filter(Boolean).length;
/** Listening TCP ports of the host: the seed's port exhaustion is one host port per worker. */
const listeningPorts = () => lines(execFileSync('ss', ['-Htln'], { encoding: 'utf8' }));
/** Connected TCP sockets (each to a worker's own address is a 4-tuple of its own, using up no host port). */
const connectedSockets = () => lines(execFileSync('ss', ['-Htn'], { encoding: 'utf8' }));

interface Snapshot {
  availableMb: number;
  files: number;
  processes: number;
  ports: number;
  sockets: number;
}

async function snapshot(pid: number): Promise<Snapshot> {
  return {
    availableMb: await settledAvailable(),
    files: await openFiles(pid),
    processes: await processCount(),
    ports: listeningPorts(),
    sockets: connectedSockets(),
  };
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + settleTimeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Cluster {
  managers: { used: { workers: number } }[];
  functions: { liveWorkers: number }[];
}

async function counts(url: string, key: string): Promise<{ used: number; live: number }> {
  const cluster: Cluster = await json(`${url}/v1/admin/cluster`, 'GET', undefined, key);
  return {
    used: cluster.managers.reduce((sum, m) => sum + m.used.workers, 0),
    live: cluster.functions.reduce((sum, f) => sum + f.liveWorkers, 0),
  };
}

async function deploy(url: string, key: string, name: string, runtime: Runtime, minWarm: number): Promise<void> {
  const { handler, files } = runtimes[runtime];
  const body = {
    runtime,
    handler,
    code: { files },
    memoryMb: 128,
    minWarm,
    maxConcurrency: Math.max(1, minWarm),
    idleTtlMs: 3_600_000,
  };
  await json(`${url}/v1/functions/${name}`, 'PUT', body, key);
}

const serverEnv = (sandbox: SandboxKind, stemCells: number) => ({
  NODE_NO_WARNINGS: '1',
  NUBO_SANDBOX: sandbox,
  NUBO_MANAGER_CAPACITY: String(4 * workers + 10),
  NUBO_MANAGER_MEMORY_MB: String((4 * workers + 10) * 128),
  NUBO_STEM_CELLS: String(stemCells),
});

async function signup(url: string): Promise<string> {
  return (await json(`${url}/v1/auth/signup`, 'POST', { username: 'bench', password: 'benchmark-password' })).apiKey;
}

/** Idle workers started by prewarming (minWarm), no stem cells. */
async function idleWorkers(sandbox: SandboxKind, runtime: Runtime) {
  const server = await startServer(serverEnv(sandbox, 0));
  try {
    const key = await signup(server.url);
    const before = await snapshot(server.pid);
    await deploy(server.url, key, 'idle', runtime, workers);
    await until(`${workers} idle workers`, async () => (await counts(server.url, key)).live >= workers);
    const after = await snapshot(server.pid);
    const n = (await counts(server.url, key)).used;
    return {
      n,
      mb: (before.availableMb - after.availableMb) / n,
      files: (after.files - before.files) / n,
      processes: (after.processes - before.processes) / n,
      ports: (after.ports - before.ports) / n,
      sockets: (after.sockets - before.sockets) / n,
    };
  } finally {
    await server.stop();
  }
}

/** Stem cells of one kind (NUBO_STEM_CELLS = workers), then as many workers specialised from them. */
async function stemCells(sandbox: SandboxKind, runtime: Runtime, plainWorkerMb: number) {
  const server = await startServer(serverEnv(sandbox, workers));
  try {
    const key = await signup(server.url);
    const start = await snapshot(server.pid);
    // The deploy's probe is the kind's first cold start: the manager then fills its stem cells.
    await deploy(server.url, key, 'first', runtime, 0);
    await until(`${workers} stem cells`, async () => {
      const { used, live } = await counts(server.url, key);
      return used - live >= workers;
    });
    const stems = await counts(server.url, key);
    const withStems = await snapshot(server.pid);
    const stemMb = (start.availableMb - withStems.availableMb - stems.live * plainWorkerMb) / (stems.used - stems.live);
    await deploy(server.url, key, 'warm', runtime, workers);
    await until(`${workers} specialised workers and the stem cells refilled`, async () => {
      const { used, live } = await counts(server.url, key);
      return live >= stems.live + workers && used - live >= workers;
    });
    const end = await counts(server.url, key);
    const specialised = await snapshot(server.pid);
    const addedStems = end.used - end.live - (stems.used - stems.live);
    const addedWorkers = end.live - stems.live;
    const specialisedMb = (withStems.availableMb - specialised.availableMb - addedStems * stemMb) / addedWorkers;
    return { stems: stems.used - stems.live, stemMb, specialisedMb, specialised: addedWorkers };
  } finally {
    await server.stop();
  }
}

/** How many host ports worker containers may be published on (NUBO_WORKER_PORT_RANGE, default 30000-39999). */
function workerPortRange(): number {
  const [from, to] = (process.env.NUBO_WORKER_PORT_RANGE ?? '30000-39999').split('-').map(Number);
  return to! - from! + 1;
}

async function main(): Promise<void> {
  const totalMb = await meminfo('MemTotal');
  const fileLimit = Number(execFileSync('bash', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  const pidMax = Number((await readFile('/proc/sys/kernel/pid_max', 'utf8')).trim());
  const threadsMax = Number((await readFile('/proc/sys/kernel/threads-max', 'utf8')).trim());
  const [low, high] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
  console.log(`Measuring ${workers} idle workers, stem cells and specialised workers per sandbox and runtime…`);
  const lines: string[] = [];
  for (const sandbox of (process.env.BENCH_SANDBOXES ?? 'process,docker').split(',') as SandboxKind[]) {
    for (const runtime of Object.keys(runtimes) as Runtime[]) {
      console.log(`  ${sandbox} sandbox, ${runtime}…`);
      const idle = await idleWorkers(sandbox, runtime);
      const stem = await stemCells(sandbox, runtime, idle.mb);
      const byMemory = Math.floor((totalMb - 1024) / idle.mb);
      const byFiles = idle.files > 0 ? Math.floor(fileLimit / idle.files) : Number.POSITIVE_INFINITY;
      const byProcesses = Math.floor(Math.min(pidMax, threadsMax) / Math.max(idle.processes, 1));
      // Containers are published on NUBO_WORKER_PORT_RANGE; other listeners take the kernel's ephemeral range.
      const portRange = sandbox === 'docker' ? workerPortRange() : high! - low! + 1;
      const byPorts = idle.ports >= 0.5 ? Math.floor(portRange / idle.ports) : Number.POSITIVE_INFINITY;
      const limits = {
        memory: byMemory,
        'open files of the server': byFiles,
        processes: byProcesses,
        'host ports': byPorts,
      };
      const [bound, most] = Object.entries(limits).sort((a, b) => a[1] - b[1])[0]!;
      lines.push(
        `\n${sandbox} sandbox, ${runtime} (${idle.n} idle workers, ${stem.stems} stem cells, ${stem.specialised} specialised):`,
        `  memory per idle worker         ${idle.mb.toFixed(1)} MiB   per stem cell ${stem.stemMb.toFixed(1)} MiB   per specialised worker ${stem.specialisedMb.toFixed(1)} MiB`,
        `  per idle worker                ${idle.files.toFixed(1)} open files in the server, ${idle.processes.toFixed(1)} processes, ${idle.ports.toFixed(1)} listening host ports, ${idle.sockets.toFixed(1)} connected TCP sockets`,
        `  idle workers one node holds    ${Object.entries(limits)
          .map(([what, n]) => `${what} ${Number.isFinite(n) ? n : 'no limit'}`)
          .join(', ')}`,
        `  → at most ${most} idle workers (${(totalMb / 1024).toFixed(1)} GiB, 1 GiB kept for the system), bound by ${bound}`,
        `  → a manager with its defaults admits ${Math.min(200, Math.floor((0.8 * totalMb) / 128))} workers of 128 MB, ${Math.min(200, Math.floor((0.8 * totalMb) / 256))} of 256 MB (NUBO_MANAGER_CAPACITY 200; NUBO_MANAGER_MEMORY_MB 80% of RAM, counted by limits, not use)`,
      );
    }
  }
  console.log(
    `\nNubo density benchmark — ${new Date().toISOString()} — node ${process.version}; MemTotal ${(totalMb / 1024).toFixed(1)} GiB, ulimit -n ${fileLimit}, pid_max ${pidMax}, threads-max ${threadsMax}, ephemeral ports ${low}–${high}`,
  );
  for (const line of lines) console.log(line);
}

await main();
