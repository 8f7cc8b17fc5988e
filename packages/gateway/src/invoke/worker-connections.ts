import { Agent, Pool } from 'undici';

/** Hostname suffix of an origin that stands for a worker's Unix socket (never resolved by DNS). */
const socketOriginSuffix = '.unix';

/**
 * The origin to call a worker at: `http://host:port`, or for a `unix:/path` address a made-up
 * host that carries the path (hex, in DNS-sized labels), so one agent serves both kinds.
 */
export function workerOrigin(address: string): string {
  if (!address.startsWith('unix:')) return `http://${address}`;
  const hex = Buffer.from(address.slice('unix:'.length)).toString('hex');
  return `http://${hex.match(/.{1,60}/g)!.join('.')}${socketOriginSuffix}`;
}

function socketPathOf(origin: string | URL): string | undefined {
  const { hostname } = new URL(origin);
  if (!hostname.endsWith(socketOriginSuffix)) return undefined;
  return Buffer.from(hostname.slice(0, -socketOriginSuffix.length).replaceAll('.', ''), 'hex').toString();
}

/**
 * Kept-alive connections to workers. A worker serves one request at a time, so one connection per
 * worker is enough; reusing it avoids a TCP handshake (and an ephemeral port) per call, the
 * seed's port-exhaustion weakness. The agent drops a worker's pool once its connection closes.
 */
export function createWorkerAgent(): Agent {
  return new Agent({
    connections: 1,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    factory: (origin, options) => {
      const socketPath = socketPathOf(origin);
      return new Pool(origin, socketPath ? { ...options, connect: { socketPath } } : options);
    },
  });
}
