import { connect, type Socket } from 'node:net';
import { parseWorkerAddress } from '@nubo/core';
import { FrameReader, type FramesHello, framesPreface, replyFrameHeaderBytes } from '@nubo/runtime';

/** A worker's reply frame (the runtime's protocol.ts). */
export interface ReplyFrame {
  status: number;
  /** Where the result's JSON begins in the body; 0 when the reply does not say. */
  resultOffset: number;
  body: Buffer;
}

export type FrameOutcome =
  | { kind: 'frame'; frame: ReplyFrame }
  | { kind: 'timeout' }
  | { kind: 'too-large' }
  /** The call never reached the worker: safe to try on another. */
  | { kind: 'unreachable'; message: string }
  | { kind: 'broken'; message: string };

/** Closed when unused this long (the worker's HTTP keep-alive is longer, so neither side is surprised). */
const idleMs = 60_000;
/** As long as undici's default: a worker that does not accept a connection by then counts as unreachable. */
const connectTimeoutMs = 10_000;
// ENOENT: an isolated worker's socket is gone with it.
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH']);

function requestFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, 4);
  return frame;
}

function socketTo(address: string): Socket {
  const endpoint = parseWorkerAddress(address);
  return endpoint.kind === 'unix' ? connect({ path: endpoint.path }) : connect({ host: endpoint.host, port: endpoint.port });
}

interface PendingCall {
  maxBytes: number;
  settle(outcome: FrameOutcome): void;
}

/** One framed connection to a worker, opened with its secret, serving one call at a time. */
export class WorkerConnection {
  private readonly reader = new FrameReader(replyFrameHeaderBytes);
  private pending: PendingCall | undefined;
  private connected = false;
  private opening: Buffer | undefined;
  private readonly socket: Socket;

  constructor(
    readonly address: string,
    secret: string,
    onEnd: (connection: WorkerConnection) => void,
  ) {
    const hello: FramesHello = { secret };
    this.opening = Buffer.concat([Buffer.from(framesPreface), requestFrame(JSON.stringify(hello))]);
    this.socket = socketTo(address);
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.setTimeout(connectTimeoutMs);
    socket.on('connect', () => {
      this.connected = true;
      socket.setTimeout(idleMs);
    });
    socket.on('timeout', () => {
      if (!this.connected) this.fail('unreachable', `no connection within ${connectTimeoutMs} ms`);
      if (!this.pending) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(!this.connected && unreachableCodes.has(err.code ?? '') ? 'unreachable' : 'broken', err.message),
    );
    socket.on('close', () => {
      this.fail('broken', 'the worker closed the connection');
      onEnd(this);
    });
  }

  /** Closed by either side: never used again. */
  get ended(): boolean {
    return this.socket.destroyed;
  }

  /** Sends one invoke and waits for its reply frame, up to `maxBytes` and `timeoutMs`. */
  call(json: string, maxBytes: number, timeoutMs: number): Promise<FrameOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.abandon({ kind: 'timeout' }), timeoutMs);
      this.pending = {
        maxBytes,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      const frame = requestFrame(json);
      // The first call goes out with the preface and hello, in one write.
      this.socket.write(this.opening ? Buffer.concat([this.opening, frame]) : frame);
      this.opening = undefined;
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    const pending = this.pending;
    // Bytes nobody asked for: this worker does not follow the protocol.
    if (!pending) {
      this.destroy();
      return;
    }
    this.reader.push(chunk);
    const header = this.reader.peekHeader();
    if (!header) return;
    if (header.readUInt32BE(0) > pending.maxBytes) {
      this.abandon({ kind: 'too-large' });
      return;
    }
    const frame = this.reader.takeFrame();
    if (!frame) return;
    this.pending = undefined;
    // More than one reply: this worker does not follow the protocol, and its connection ends here.
    if (this.reader.buffered > 0) this.destroy();
    pending.settle({
      kind: 'frame',
      frame: { status: frame.header.readUInt32BE(4), resultOffset: frame.header.readUInt32BE(8), body: frame.body },
    });
  }

  /** Ends the call in progress and the connection with it (its unread bytes belong to that call). */
  private abandon(outcome: FrameOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    this.destroy();
    pending?.settle(outcome);
  }

  private fail(kind: 'unreachable' | 'broken', message: string): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.settle({ kind, message });
  }
}

/**
 * Kept-alive framed connections to workers. A worker serves one call at a time, so one connection
 * per worker is enough; reusing it avoids a handshake (and an ephemeral port) per call, the seed's
 * port-exhaustion weakness. A connection leaves once either side closes it.
 */
export class WorkerConnections {
  private readonly idle = new Map<string, WorkerConnection[]>();
  private readonly open = new Set<WorkerConnection>();

  take(worker: { address: string; secret: string }): WorkerConnection {
    const kept = this.idle.get(worker.address)?.pop();
    if (kept) return kept;
    const connection = new WorkerConnection(worker.address, worker.secret, (ended) => this.forget(ended));
    this.open.add(connection);
    return connection;
  }

  /** After a whole reply: the connection serves the worker's next call. */
  giveBack(connection: WorkerConnection): void {
    if (connection.ended) return;
    const list = this.idle.get(connection.address);
    if (list) list.push(connection);
    else this.idle.set(connection.address, [connection]);
  }

  close(): void {
    for (const connection of this.open) connection.destroy();
  }

  private forget(connection: WorkerConnection): void {
    this.open.delete(connection);
    const list = this.idle.get(connection.address);
    if (!list) return;
    const at = list.indexOf(connection);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.idle.delete(connection.address);
  }
}
