import { parseWorkerAddress } from '@nubo/core';
import { workerSecretHeader } from '@nubo/runtime';
import { Agent, fetch } from 'undici';

export interface RuntimeCall {
  method?: 'GET' | 'POST';
  /** The worker's secret: the runtime answers nothing without it. */
  secret: string;
  /** A JSON body. */
  body?: string;
  timeoutMs: number;
}

/**
 * One HTTP request to a worker's runtime — its health, a container stem cell's specialisation — on
 * its TCP port or its Unix socket alike. Answers the status and the JSON body (null when not JSON);
 * throws when the runtime cannot be reached or does not answer in time.
 */
export async function callRuntime(address: string, path: string, call: RuntimeCall): Promise<{ status: number; body: unknown }> {
  const endpoint = parseWorkerAddress(address);
  const dispatcher = endpoint.kind === 'unix' ? new Agent({ connect: { socketPath: endpoint.path } }) : undefined;
  try {
    const origin = endpoint.kind === 'unix' ? 'http://worker' : `http://${address}`;
    const response = await fetch(`${origin}${path}`, {
      method: call.method ?? 'GET',
      headers: { [workerSecretHeader]: call.secret, ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(call.body !== undefined ? { body: call.body } : {}),
      signal: AbortSignal.timeout(call.timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: the status says enough.
    }
    return { status: response.status, body };
  } finally {
    await dispatcher?.close();
  }
}

/** Whether a worker's runtime answers at all: it listens (a stem cell, with no handler yet, answers not ready). */
export function runtimeListens(address: string, secret: string, timeoutMs = 1000): Promise<boolean> {
  return callRuntime(address, '/healthz', { secret, timeoutMs }).then(
    () => true,
    () => false,
  );
}

/** Whether a worker's runtime answers its health check ready to serve calls. */
export function runtimeReady(address: string, secret: string, timeoutMs = 1000): Promise<boolean> {
  return callRuntime(address, '/healthz', { secret, timeoutMs }).then(
    ({ status }) => status === 200,
    () => false,
  );
}
