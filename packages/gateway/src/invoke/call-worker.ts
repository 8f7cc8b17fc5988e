import type { WorkerInfo } from '@nubo/core';
import type { RuntimeReply } from '@nubo/runtime';
import type { WorkerConnections } from './worker-connections.js';

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

const closingBrace = 0x7d;

/**
 * A worker's reply. With a result offset (protocol.ts) only the part before the result is parsed and
 * the result's bytes are kept as they are; they end one byte before the body's closing brace.
 */
function parseReply(body: Buffer, offset: number): CallResult {
  if (!(offset > 1 && offset < body.length - 1 && body[body.length - 1] === closingBrace))
    return { kind: 'reply', reply: JSON.parse(body.toString('utf8')) as RuntimeReply };
  const reply = JSON.parse(`${body.toString('utf8', 0, offset)}null}`) as RuntimeReply;
  return { kind: 'reply', reply, resultJson: body.subarray(offset, body.length - 1) };
}

/**
 * Calls a worker over its framed connection: the answer is read up to `maxReplyBytes` and until the
 * timeout, so a worker that drips its answer or sends too much is cut off, a call never outlives its
 * timeout, and the gateway never holds more than the limit.
 */
export async function callWorker(
  connections: WorkerConnections,
  worker: Pick<WorkerInfo, 'address' | 'secret'>,
  payload: string,
  options: { timeoutMs: number; maxReplyBytes: number },
): Promise<CallResult> {
  const connection = connections.take(worker);
  const outcome = await connection.call(payload, options.maxReplyBytes, Math.max(1, Math.ceil(options.timeoutMs)));
  if (outcome.kind === 'too-large') return { kind: 'too-large', limitBytes: options.maxReplyBytes };
  if (outcome.kind !== 'frame') return outcome;
  connections.giveBack(connection);
  const { status, body, resultOffset } = outcome.frame;
  if (status !== 200) return { kind: 'broken', message: `worker answered ${status}: ${body.toString('utf8', 0, 200)}` };
  try {
    return parseReply(body, resultOffset);
  } catch (err) {
    return { kind: 'broken', message: `the worker's reply is no JSON: ${(err as Error).message}` };
  }
}
