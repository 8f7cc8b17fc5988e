import { parseWorkerAddress } from '@nubo/core';
import { Agent, fetch as undiciFetch } from 'undici';

const socketAgents = new Map<string, Agent>();

/** fetch() to a worker at its pool address: `host:port`, or `unix:/path` of an isolated worker's socket. */
export function workerFetch(
  address: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const endpoint = parseWorkerAddress(address);
  if (endpoint.kind === 'tcp') return undiciFetch(`http://${address}${path}`, init);
  const socketPath = endpoint.path;
  let dispatcher = socketAgents.get(socketPath);
  if (!dispatcher) {
    dispatcher = new Agent({ connect: { socketPath } });
    socketAgents.set(socketPath, dispatcher);
  }
  return undiciFetch(`http://worker${path}`, { ...init, dispatcher });
}
