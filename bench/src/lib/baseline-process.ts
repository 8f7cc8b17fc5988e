import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds } from './process-tree-cpu.js';

/** A baseline script of lib/ in its own process, like the gateway it is compared with (it prints its port). */
export async function startBaseline(script: string, args: string[]): Promise<{ url: string; pid: number; stop(): void }> {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${line.toString().trim()}`, pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

export interface CpuTally {
  seconds: number;
  calls: number;
}

/** Sends a round of requests and adds the CPU the serving process spent on them to `cpu`. */
export async function roundWithCpu(pid: number, cpu: CpuTally, send: () => Promise<number[]>): Promise<number[]> {
  const before = processCpuSeconds(pid);
  const samples = await send();
  cpu.seconds += processCpuSeconds(pid) - before;
  cpu.calls += samples.length;
  return samples;
}

export const microsPerCall = (cpu: CpuTally): number => (cpu.seconds / cpu.calls) * 1e6;
