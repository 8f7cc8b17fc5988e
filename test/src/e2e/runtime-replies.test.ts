import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { nodeRuntimeScript, pythonRuntimeScript, workerSecretHeader } from '@nubo/runtime';
import { freePort } from '../helpers/distributed-stack.js';
import { eventually, startChild } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const secret = 'runtime-replies-test-secret';

const runtimes = [
  {
    name: 'Node.js',
    command: [process.execPath, nodeRuntimeScript],
    file: 'index.mjs',
    handler: 'index.handler',
    code: 'export const handler = async (event) => ({ echo: event, padding: "x".repeat(2000) });',
  },
  {
    name: 'Python',
    command: ['python3', '-u', pythonRuntimeScript],
    file: 'app.py',
    handler: 'app.handler',
    code: 'def handler(event, context):\n    return {"echo": event, "padding": "x" * 2000}\n',
  },
];

/** Sends `count` invokes on one kept-alive TCP connection; answers how many reads each reply took. */
async function readsPerReply(port: number, count: number): Promise<number[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    wake?.();
  });
  // A worker that closes or breaks the connection fails the test instead of leaving it waiting.
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  const reads: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({ event: { call: i }, context: { requestId: `r${i}`, deadlineMs: Date.now() + 10_000 } });
      socket.write(
        `POST /invoke HTTP/1.1\r\nhost: worker\r\ncontent-type: application/json\r\n${workerSecretHeader}: ${secret}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      for (;;) {
        const received = Buffer.concat(chunks);
        const headerEnd = received.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(received.toString('latin1', 0, Math.max(0, headerEnd)))?.[1]);
        if (headerEnd >= 0 && received.length >= headerEnd + 4 + length) {
          assert.match(received.toString('utf8', 0, 12), /^HTTP\/1\.1 200/);
          assert.equal(JSON.parse(received.toString('utf8', headerEnd + 4)).ok, true);
          break;
        }
        assert.ok(!ended, `the connection ended before reply ${i} was whole: ${received.toString('utf8', 0, 300)}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      reads.push(chunks.length);
      chunks.length = 0;
    }
  } finally {
    socket.destroy();
  }
  return reads;
}

describe('a worker runtime answers a call in one write', () => {
  // Headers and body in two writes let Nagle's algorithm hold the body back until the gateway
  // acknowledges the headers, which a kept-alive connection delays by up to 40 ms: every warm call
  // of a Python function over TCP (the Docker sandbox, no isolation) took that long.
  for (const runtime of runtimes) {
    it(`${runtime.name}: each reply on a kept-alive connection arrives whole`, async () => {
      const dir = await tempDir('nubo-runtime-replies-');
      await writeFile(`${dir}/${runtime.file}`, runtime.code);
      const port = await freePort('127.0.0.1');
      const [command, ...args] = runtime.command;
      const worker = startChild(command!, args, {
        NUBO_CODE_DIR: dir,
        NUBO_HANDLER: runtime.handler,
        NUBO_RUNTIME_PORT: String(port),
        NUBO_WORKER_SECRET: secret,
      });
      try {
        await eventually('the runtime answers', async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { [workerSecretHeader]: secret } });
          return res.ok;
        });
        assert.deepEqual(await readsPerReply(port, 8), Array(8).fill(1), worker.output());
      } finally {
        worker.process.kill('SIGKILL');
      }
    });
  }
});
