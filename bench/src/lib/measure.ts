import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';

/** Sends `count` sequential requests on one kept-alive connection and answers each latency in ms. */
export async function timeRequests(
  pool: Pool,
  path: string,
  body: string,
  headers: Record<string, string>,
  count: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await pool.request({ path, method: 'POST', body, headers });
    await res.body.text();
    samples.push(performance.now() - started);
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
  }
  return samples;
}

/** Runs `loops` concurrent request loops for `durationMs` and answers requests per second. */
export async function throughput(loops: number, durationMs: number, send: (loop: number) => Promise<void>): Promise<number> {
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      while (performance.now() - started < durationMs) {
        await send(loop);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}
