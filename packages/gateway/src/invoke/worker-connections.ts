import { Agent } from 'undici';

/**
 * Kept-alive connections to workers. A worker serves one request at a time, so one connection per
 * worker is enough; reusing it avoids a TCP handshake (and an ephemeral port) per call, the
 * seed's port-exhaustion weakness. The agent drops a worker's pool once its connection closes.
 */
export function createWorkerAgent(): Agent {
  return new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
}
