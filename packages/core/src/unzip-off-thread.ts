import { Worker } from 'node:worker_threads';
import type { UnzipAnswer, UnzipJob } from './unzip-worker.js';

/**
 * Inflates a zip archive in a worker thread (unzip-worker.ts) so that unpacking code, however large
 * or hostile, never blocks the event loop. One short-lived thread per archive: deploys and the first
 * cold start of a version on a node are the only callers.
 */
export function unzipOffThread(zip: Uint8Array, maxUnzippedBytes: number): Promise<UnzipAnswer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./unzip-worker.js', import.meta.url));
    // A copy of its own to hand over: a Buffer's slice() shares the caller's memory, which the transfer would detach.
    const copy = new Uint8Array(zip);
    const job: UnzipJob = { zip: copy, maxUnzippedBytes };
    worker.once('message', (answer: UnzipAnswer) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the unzip thread exited with code ${code}`)));
    worker.postMessage(job, [copy.buffer as ArrayBuffer]);
  });
}
