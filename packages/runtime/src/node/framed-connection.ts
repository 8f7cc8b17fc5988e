import type { Socket } from 'node:net';
import type { FramesHello, FramesPreface, ReplyFrameHeaderBytes } from '../protocol.js';
import { FrameReader } from './frame-reader.js';

/** An answer to one call, whichever protocol carries it: JSON text and, on a result, its offset. */
export interface Answer {
  status: number;
  text: string;
  resultOffset?: number;
}

export interface FrameHandlers {
  /**
   * Whether the hello carries this worker's secret: if so, a check that it still does (a stem cell's
   * token is void once it is specialised), asked before every invoke.
   */
  authenticate(hello: Partial<FramesHello>): (() => boolean) | null;
  /** Answers one invoke frame's JSON; never rejects. */
  invoke(json: string): Promise<Answer>;
  unauthorised: Answer;
}

const preface: FramesPreface = '\u0000nubo-frames/1\n';
const prefaceBytes = Buffer.from(preface);
const replyHeaderBytes: ReplyFrameHeaderBytes = 12;
const requestHeaderBytes = 4;
/** Until the secret has been shown, a frame is read only up to this size. */
const helloLimitBytes = 4096;

function replyFrame(answer: Answer): Buffer {
  const length = Buffer.byteLength(answer.text);
  const frame = Buffer.allocUnsafe(replyHeaderBytes + length);
  frame.writeUInt32BE(length, 0);
  frame.writeUInt32BE(answer.status, 4);
  frame.writeUInt32BE(answer.resultOffset ?? 0, 8);
  frame.write(answer.text, replyHeaderBytes);
  return frame;
}

function parseHello(body: Buffer): Partial<FramesHello> {
  try {
    const hello: unknown = JSON.parse(body.toString('utf8'));
    return typeof hello === 'object' && hello !== null ? hello : {};
  } catch {
    return {};
  }
}

/**
 * Serves a framed connection (protocol.ts): the preface, the hello with the worker's secret, then
 * one invoke after another, each answered before the next is read.
 */
export function serveFrames(socket: Socket, first: Buffer, handlers: FrameHandlers): void {
  const reader = new FrameReader(requestHeaderBytes);
  let stage: 'preface' | 'hello' | 'invokes' | 'refused' = 'preface';
  let stillAuthentic: () => boolean = () => false;
  let serving = false;
  socket.setNoDelay(true);
  // The gateway destroys a connection whose call timed out: nothing is left to answer.
  socket.on('error', () => socket.destroy());

  const refuse = (answer?: Answer): void => {
    stage = 'refused';
    if (answer) socket.end(replyFrame(answer));
    else socket.destroy();
  };
  const answer = (json: string): void => {
    serving = true;
    void handlers.invoke(json).then((reply) => {
      serving = false;
      if (socket.destroyed) return;
      socket.write(replyFrame(reply));
      next();
    });
  };
  const next = (): void => {
    while (!serving && stage !== 'refused') {
      if (stage === 'preface') {
        const bytes = reader.takeBytes(prefaceBytes.length);
        if (!bytes) return;
        if (bytes.equals(prefaceBytes)) stage = 'hello';
        else refuse();
        continue;
      }
      const header = reader.peekHeader();
      if (!header) return;
      if (stage === 'hello' && header.readUInt32BE(0) > helloLimitBytes) {
        refuse();
        return;
      }
      const frame = reader.takeFrame();
      if (!frame) return;
      if (stage === 'invokes') {
        if (stillAuthentic()) answer(frame.body.toString('utf8'));
        else refuse(handlers.unauthorised);
        continue;
      }
      const check = handlers.authenticate(parseHello(frame.body));
      if (check) {
        stillAuthentic = check;
        stage = 'invokes';
      } else refuse(handlers.unauthorised);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    if (stage === 'refused') return;
    reader.push(chunk);
    next();
  });
  reader.push(first);
  next();
}
