import { performance } from 'node:perf_hooks';
import type { WorkerInfo } from '@nubo/core';
import { resultOffsetHeader, workerSecretHeader, type RuntimeReply } from '@nubo/runtime';
import type { Agent, Dispatcher } from 'undici';
import { workerOrigin } from './worker-connections.js';

export type CallResult =
  /** The reply; a successful one's result also as the JSON bytes the worker wrote, when it marked them. */
  | { kind: 'reply'; reply: RuntimeReply; resultJson?: Buffer }
  /** The deadline passed before the worker's whole answer arrived. */
  | { kind: 'timeout' }
  /** The worker's answer is over the size the gateway reads; reading stopped there. */
  | { kind: 'too-large'; limitBytes: number }
  /** The request never reached the worker (connection refused): safe to retry elsewhere. */
  | { kind: 'unreachable'; message: string }
  /** The worker broke the connection or answered garbage after getting the request. */
  | { kind: 'broken'; message: string };

// ENOENT: an isolated worker's socket is gone with it (the call never reached it).
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOENT', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Reads an answer up to `maxBytes` and until `deadline` (`performance.now()` time): a worker that
 * drips its answer or sends too much is cut off, so a call never outlives its timeout and the
 * gateway never holds more than the limit.
 */
async function readBounded(
  body: Dispatcher.ResponseData['body'],
  declaredBytes: number,
  maxBytes: number,
  deadline: number,
): Promise<Buffer | 'too-large' | 'timeout'> {
  if (declaredBytes > maxBytes) {
    body.destroy();
    return 'too-large';
  }
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      body.destroy();
    },
    Math.max(1, deadline - performance.now()),
  );
  try {
    // A declared length bounds what the parser reads; without one, the chunks are counted as they come.
    if (declaredBytes > 0) {
      const bytes = Buffer.from(await body.arrayBuffer());
      return timedOut ? 'timeout' : bytes;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        body.destroy();
        return 'too-large';
      }
      chunks.push(chunk as Buffer);
    }
    return timedOut ? 'timeout' : Buffer.concat(chunks, size);
  } catch (err) {
    if (timedOut) return 'timeout';
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

const closingBrace = 0x7d;

/**
 * A worker's reply. With a result offset (protocol.ts) only the part before the result is parsed and
 * the result's bytes are kept as they are; they end one byte before the body's closing brace.
 */
function parseReply(body: Buffer, offsetHeader: string | string[] | undefined): CallResult {
  const offset = typeof offsetHeader === 'string' ? Number(offsetHeader) : Number.NaN;
  if (!(Number.isInteger(offset) && offset > 1 && offset < body.length - 1 && body[body.length - 1] === closingBrace))
    return { kind: 'reply', reply: JSON.parse(body.toString('utf8')) as RuntimeReply };
  const reply = JSON.parse(`${body.toString('utf8', 0, offset)}null}`) as RuntimeReply;
  return { kind: 'reply', reply, resultJson: body.subarray(offset, body.length - 1) };
}

export async function callWorker(
  agent: Agent,
  worker: Pick<WorkerInfo, 'address' | 'secret'>,
  payload: string,
  options: { timeoutMs: number; maxReplyBytes: number },
): Promise<CallResult> {
  const timeout = Math.max(1, Math.ceil(options.timeoutMs));
  const deadline = performance.now() + timeout;
  try {
    // undici's own timer bounds the wait for the headers; one timer bounds the whole body.
    const response = await agent.request({
      origin: workerOrigin(worker.address),
      path: '/invoke',
      method: 'POST',
      headers: { 'content-type': 'application/json', [workerSecretHeader]: worker.secret },
      body: payload,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const declared = Number(response.headers['content-length'] ?? 0);
    const body = await readBounded(response.body, declared, options.maxReplyBytes, deadline);
    if (body === 'timeout') return { kind: 'timeout' };
    if (body === 'too-large') return { kind: 'too-large', limitBytes: options.maxReplyBytes };
    if (response.statusCode !== 200)
      return { kind: 'broken', message: `worker answered HTTP ${response.statusCode}: ${body.toString('utf8', 0, 200)}` };
    return parseReply(body, response.headers[resultOffsetHeader]);
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout' };
    const message = (err as Error).message;
    return code && unreachableCodes.has(code) ? { kind: 'unreachable', message } : { kind: 'broken', message };
  }
}
