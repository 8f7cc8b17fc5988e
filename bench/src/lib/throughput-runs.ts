import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { bareHeaders, spawnBareRuntime, untilHealthy } from './bare-runtime.js';
import { noop } from './noop-function.js';
import { cpuSharesBetween, cpuSnapshot, formatShares } from './process-tree-cpu.js';
import { freePort } from './server.js';

const invokePath = '/v1/functions/noop/invoke';
const directBody = JSON.stringify({ event: {}, context: { requestId: 'bench', deadlineMs: Date.now() + 3_600_000 } });

/** A request loop's send through the minimal proxy (lib/minimal-proxy.ts) to a bare runtime worker. */
export function viaMinimalProxy(pool: Pool): (loop: number) => Promise<void> {
  return async () => {
    const r = await pool.request({
      path: '/invoke',
      method: 'POST',
      body: directBody,
      headers: { 'content-type': 'application/json' },
    });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`proxy answered ${r.statusCode}`);
  };
}

/** A request loop's send through gateways: loop i calls gateway i mod n; every call must succeed. */
export function viaGateways(pools: Pool[], headers: Record<string, string>): (loop: number) => Promise<void> {
  return async (loop) => {
    const r = await pools[loop % pools.length]!.request({ path: invokePath, method: 'POST', body: '{}', headers });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`gateway answered ${r.statusCode}`);
  };
}

/** Makes the function scale to `count` workers: that many calls at once. */
export async function scaleTo(pool: Pool, headers: Record<string, string>, count: number): Promise<void> {
  const send = viaGateways([pool], headers);
  await Promise.all(Array.from({ length: count }, (_, loop) => send(loop)));
}

/** `count` bare runtime workers (the no-op function, no Nubo), one per request loop: the throughput baseline. */
export async function startBareWorkers(
  count: number,
): Promise<{ send(loop: number): Promise<void>; pids: number[]; ports: number[]; stop(): void }> {
  const codeDir = await mkdtemp(join(tmpdir(), 'nubo-bench-code-'));
  await writeFile(join(codeDir, 'index.mjs'), noop);
  const children: ChildProcess[] = [];
  const pools: Pool[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    ports.push(port);
    children.push(spawnBareRuntime(codeDir, port));
    await untilHealthy(`http://127.0.0.1:${port}`);
    pools.push(new Pool(`http://127.0.0.1:${port}`, { connections: 1 }));
  }
  return {
    pids: children.map((child) => child.pid!),
    ports,
    async send(loop) {
      const r = await pools[loop]!.request({ path: '/invoke', method: 'POST', body: directBody, headers: bareHeaders });
      await r.body.text();
    },
    stop() {
      for (const pool of pools) void pool.close();
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

/** The pids whose parent is `pid` (a manager's or server's workers). */
export function childrenOf(pid: number): number[] {
  return [...cpuSnapshot().stats.values()].filter((stat) => stat.ppid === pid).map((stat) => stat.pid);
}

/** Runs `run` and tells how busy the machine's cores were meanwhile, by group of processes. */
export async function cpuDuring<T>(run: () => Promise<T>, groups: Record<string, number[]>): Promise<[T, string]> {
  const before = cpuSnapshot();
  const result = await run();
  return [result, formatShares(cpuSharesBetween(before, cpuSnapshot(), groups))];
}
