/**
 * Runs in a worker thread (unzip-off-thread.ts): inflates a zip archive with fflate's streaming
 * Unzip, fed in small slices, counting the bytes it actually produces. It stops at the limit, and
 * refuses an archive whose entries inflate to other sizes than they declare, so a bomb that lies
 * about its sizes costs at most the limit, and none of it on the server's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';

export interface UnzipJob {
  zip: Uint8Array;
  maxUnzippedBytes: number;
}

export type UnzipAnswer =
  | { ok: true; names: string[]; contents: Uint8Array[] }
  | { ok: false; reason: 'too-large' | 'invalid'; message: string };

/** Output per slice stays below slice × deflate's best ratio (~1032), i.e. about 16 MiB. */
const sliceBytes = 16 * 1024;

function inflate({ zip, maxUnzippedBytes }: UnzipJob): UnzipAnswer {
  const names: string[] = [];
  const contents: Uint8Array[] = [];
  let total = 0;
  // fflate may wrap what a callback throws, so the first refusal is kept here.
  let refusal: { reason: 'too-large' | 'invalid'; message: string } | undefined;
  const refuse = (reason: 'too-large' | 'invalid', message: string): never => {
    refusal ??= { reason, message };
    throw new Error(message);
  };
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (file: UnzipFile) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    file.ondata = (err, data, final) => {
      if (err) refuse('invalid', err.message);
      size += data.length;
      total += data.length;
      if (total > maxUnzippedBytes) refuse('too-large', `more than ${maxUnzippedBytes} bytes`);
      chunks.push(data);
      if (!final) return;
      if (file.originalSize !== undefined && file.originalSize !== size) {
        refuse('invalid', `"${file.name}" declares ${file.originalSize} bytes but holds ${size}`);
      }
      const whole = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        whole.set(chunk, at);
        at += chunk.length;
      }
      names.push(file.name);
      contents.push(whole);
    };
    file.start();
  };
  try {
    for (let at = 0; at < zip.length; at += sliceBytes)
      unzip.push(zip.subarray(at, at + sliceBytes), at + sliceBytes >= zip.length);
  } catch (err) {
    return { ok: false, ...(refusal ?? { reason: 'invalid', message: (err as Error).message }) };
  }
  if (names.length === 0 && zip.length > 0 && !isZip(zip))
    return { ok: false, reason: 'invalid', message: 'no zip entries found' };
  return { ok: true, names, contents };
}

/** A zip archive starts with a local file header (or is an empty archive's end record). */
function isZip(zip: Uint8Array): boolean {
  return zip[0] === 0x50 && zip[1] === 0x4b && (zip[2] === 0x03 || zip[2] === 0x05);
}

parentPort?.on('message', (job: UnzipJob) => {
  const answer = inflate(job);
  parentPort?.postMessage(answer, answer.ok ? answer.contents.map((c) => c.buffer as ArrayBuffer) : []);
});
