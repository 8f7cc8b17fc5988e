import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { FrameReader, framesPreface, replyFrameHeaderBytes, workerSecretHeader } from '@nubo/runtime';
import { runtimesUnderTest, startRuntime } from '../helpers/runtime-workers.js';

const secret = 'runtime-frames-test-secret';

/** Counts its calls, so a test can tell whether a refused call ran. */
const counting: Record<string, string> = {
  'Node.js': 'let calls = 0;\nexport const handler = async (event) => ({ calls: ++calls, echo: event });\n',
  Python:
    'calls = 0\ndef handler(event, context):\n    global calls\n    calls += 1\n    return {"calls": calls, "echo": event}\n',
};

function frame(json: unknown): Buffer {
  const body = Buffer.from(typeof json === 'string' ? json : JSON.stringify(json));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

const invokeFrame = (event: unknown) => frame({ event, context: { requestId: 'frames-test', deadlineMs: Date.now() + 10_000 } });

/** A raw client of the framed protocol (protocol.ts), written from the contract, not the gateway's code. */
class FrameClient {
  private readonly reader = new FrameReader(replyFrameHeaderBytes);
  private closed = false;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, opening: Buffer): FrameClient {
    const client = new FrameClient(connect(port, '127.0.0.1'));
    client.socket.write(opening);
    return client;
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next reply frame, or 'closed' once the worker has closed the connection without one. */
  async next(): Promise<{ status: number; offset: number; body: Buffer } | 'closed'> {
    for (;;) {
      const reply = this.reader.takeFrame();
      if (reply) return { status: reply.header.readUInt32BE(4), offset: reply.header.readUInt32BE(8), body: reply.body };
      if (this.closed) return 'closed';
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const hello = (presented: string) => Buffer.concat([Buffer.from(framesPreface), frame({ secret: presented })]);

describe('the framed protocol between the gateway and a worker', () => {
  for (const runtime of runtimesUnderTest) {
    it(`${runtime.name}: answers invoke after invoke on one connection, the result last at its offset`, async () => {
      const { port, worker } = await startRuntime(runtime, counting[runtime.name]!, { NUBO_WORKER_SECRET: secret });
      const client = FrameClient.open(port, hello(secret));
      try {
        for (let call = 1; call <= 3; call++) {
          client.send(invokeFrame({ call }));
          const reply = await client.next();
          assert.notEqual(reply, 'closed', worker.output());
          if (reply === 'closed') return;
          assert.equal(reply.status, 200);
          const whole = JSON.parse(reply.body.toString('utf8'));
          assert.equal(whole.ok, true);
          assert.deepEqual(whole.result, { calls: call, echo: { call } });
          assert.ok(reply.offset > 0, 'a result says where it begins');
          assert.deepEqual(JSON.parse(reply.body.subarray(reply.offset, -1).toString('utf8')), whole.result);
        }
      } finally {
        client.close();
        worker.process.kill('SIGKILL');
      }
    });

    it(`${runtime.name}: refuses a wrong secret with one 401 frame, runs nothing and closes`, async () => {
      const { port, worker } = await startRuntime(runtime, counting[runtime.name]!, { NUBO_WORKER_SECRET: secret });
      try {
        const stranger = FrameClient.open(port, Buffer.concat([hello('not-the-secret'), invokeFrame({ evil: true })]));
        const refused = await stranger.next();
        assert.notEqual(refused, 'closed');
        if (refused === 'closed') return;
        assert.equal(refused.status, 401);
        assert.equal(JSON.parse(refused.body.toString('utf8')).error.type, 'Unauthorized');
        assert.equal(await stranger.next(), 'closed', 'nothing more, and the connection ends');

        const platform = FrameClient.open(port, Buffer.concat([hello(secret), invokeFrame({})]));
        const reply = await platform.next();
        assert.notEqual(reply, 'closed');
        if (reply !== 'closed')
          assert.equal(JSON.parse(reply.body.toString('utf8')).result.calls, 1, "the stranger's call never ran");
        platform.close();
      } finally {
        worker.process.kill('SIGKILL');
      }
    });

    it(`${runtime.name}: closes a connection with a hello over 4 KiB or a wrong preface, unread`, async () => {
      const { port, worker } = await startRuntime(runtime, counting[runtime.name]!, { NUBO_WORKER_SECRET: secret });
      try {
        const huge = Buffer.alloc(4);
        huge.writeUInt32BE(64 * 1024 * 1024);
        const flood = FrameClient.open(port, Buffer.concat([Buffer.from(framesPreface), huge]));
        assert.equal(await flood.next(), 'closed');
        const garbled = FrameClient.open(port, Buffer.concat([Buffer.from('\u0000not-frames/9\n'), frame({ secret })]));
        assert.equal(await garbled.next(), 'closed');
      } finally {
        worker.process.kill('SIGKILL');
      }
    });

    it(`${runtime.name}: outlives calls cut off midway, over HTTP and over frames`, async () => {
      const { port, worker } = await startRuntime(runtime, counting[runtime.name]!, { NUBO_WORKER_SECRET: secret });
      try {
        // The worker's "100 Continue" says it is reading the body when the connection is cut.
        const http = connect(port, '127.0.0.1');
        http.write(
          `POST /invoke HTTP/1.1\r\nhost: worker\r\n${workerSecretHeader}: ${secret}\r\nexpect: 100-continue\r\ncontent-length: 1000\r\n\r\n`,
        );
        await new Promise((resolve) => http.once('data', resolve));
        http.write('{"event":');
        http.destroy();
        const cut = invokeFrame({ cut: true });
        const framed = FrameClient.open(port, Buffer.concat([hello(secret), cut.subarray(0, cut.length - 5)]));
        framed.close();

        const platform = FrameClient.open(port, Buffer.concat([hello(secret), invokeFrame({})]));
        const reply = await platform.next();
        assert.notEqual(reply, 'closed', `the worker ended: ${worker.output()}`);
        if (reply !== 'closed') assert.equal(JSON.parse(reply.body.toString('utf8')).result.calls, 1, 'no cut call ran');
        platform.close();
      } finally {
        worker.process.kill('SIGKILL');
      }
    });

    it(`${runtime.name}: a stem cell's token opens no invokes once the cell is specialised`, async () => {
      const token = 'stem-token-for-the-manager-only';
      const { port, worker, codeDir } = await startRuntime(
        runtime,
        counting[runtime.name]!,
        { NUBO_STEM_CELL: '1', NUBO_STEM_TOKEN: token, NUBO_MEMORY_MB: '128' },
        token,
      );
      const early = FrameClient.open(port, hello(token));
      try {
        const specialised = await fetch(`http://127.0.0.1:${port}/specialise`, {
          method: 'POST',
          headers: { [workerSecretHeader]: token, 'content-type': 'application/json' },
          body: JSON.stringify({
            env: { NUBO_WORKER_SECRET: secret, NUBO_HANDLER: runtime.handler, NUBO_CODE_DIR: codeDir, NUBO_MEMORY_MB: '128' },
          }),
        });
        assert.deepEqual(await specialised.json(), { ready: true }, worker.output());

        early.send(invokeFrame({}));
        const refused = await early.next();
        assert.notEqual(refused, 'closed');
        if (refused !== 'closed') assert.equal(refused.status, 401, 'the token was void from the specialisation on');
        assert.equal(await early.next(), 'closed');

        const platform = FrameClient.open(port, Buffer.concat([hello(secret), invokeFrame({})]));
        const reply = await platform.next();
        assert.notEqual(reply, 'closed');
        if (reply !== 'closed') assert.equal(JSON.parse(reply.body.toString('utf8')).result.calls, 1);
        platform.close();
      } finally {
        early.close();
        worker.process.kill('SIGKILL');
      }
    });
  }
});
