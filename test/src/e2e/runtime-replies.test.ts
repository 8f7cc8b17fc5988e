import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { workerSecretHeader } from '@nubo/runtime';
import { runtimesUnderTest, startRuntime } from '../helpers/runtime-workers.js';

const secret = 'runtime-replies-test-secret';

const code: Record<string, string> = {
  'Node.js': 'export const handler = async (event) => ({ echo: event, padding: "x".repeat(2000) });',
  Python: 'def handler(event, context):\n    return {"echo": event, "padding": "x" * 2000}\n',
};

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
  for (const runtime of runtimesUnderTest) {
    it(`${runtime.name}: each reply on a kept-alive connection arrives whole`, async () => {
      const { port, worker } = await startRuntime(runtime, code[runtime.name]!, { NUBO_WORKER_SECRET: secret });
      try {
        assert.deepEqual(await readsPerReply(port, 8), Array(8).fill(1), worker.output());
      } finally {
        worker.process.kill('SIGKILL');
      }
    });
  }
});
