import type { WorkerInfo } from '@nubo/core';
import { workerSecretHeader, type RuntimeReply } from '@nubo/runtime';
import type { Agent } from 'undici';

export type CallResult =
  | { kind: 'reply'; reply: RuntimeReply }
  /** The deadline passed before the worker answered. */
  | { kind: 'timeout' }
  /** The request never reached the worker (connection refused): safe to retry elsewhere. */
  | { kind: 'unreachable'; message: string }
  /** The worker broke the connection or answered garbage after getting the request. */
  | { kind: 'broken'; message: string };

const unreachableCodes = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export async function callWorker(
  agent: Agent,
  worker: Pick<WorkerInfo, 'address' | 'secret'>,
  payload: string,
  timeoutMs: number,
): Promise<CallResult> {
  const timeout = Math.max(1, Math.ceil(timeoutMs));
  try {
    // undici's own timers bound the wait for the answer: cheaper than an AbortController per call.
    const response = await agent.request({
      origin: `http://${worker.address}`,
      path: '/invoke',
      method: 'POST',
      headers: { 'content-type': 'application/json', [workerSecretHeader]: worker.secret },
      body: payload,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      return { kind: 'broken', message: `worker answered HTTP ${response.statusCode}: ${text.slice(0, 200)}` };
    return { kind: 'reply', reply: JSON.parse(text) as RuntimeReply };
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout' };
    const message = (err as Error).message;
    return code && unreachableCodes.has(code) ? { kind: 'unreachable', message } : { kind: 'broken', message };
  }
}
