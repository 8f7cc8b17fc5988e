import { readFile } from 'node:fs/promises';

/** A secret for the bare runtimes the benchmarks start themselves (their baseline). */
export const bareSecret = 'bench-bare-runtime-secret';

/**
 * The secret of a worker the benchmark did not start, to call it directly for the baseline: read
 * from its process's environment (the operator's own machine), or from its container's.
 */
export async function workerSecretOf(worker: { pid: number } | { containerEnv: string[] }): Promise<string> {
  const env = 'pid' in worker ? (await readFile(`/proc/${worker.pid}/environ`, 'utf8')).split('\0') : worker.containerEnv;
  const entry = env.find((e) => e.startsWith('NUBO_WORKER_SECRET='));
  if (!entry) throw new Error('the worker has no NUBO_WORKER_SECRET');
  return entry.slice('NUBO_WORKER_SECRET='.length);
}
