/**
 * Where a worker is called: over TCP at `host:port` (the seed's `IP:Port`), or on its Unix socket,
 * which travels as `unix:/path` (an isolated worker called by a gateway in the same process).
 * Addresses travel as strings (the pool, the manager API) and are parsed here, once, where used.
 */
export type WorkerEndpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

const unixScheme = 'unix:';

export function parseWorkerAddress(address: string): WorkerEndpoint {
  if (address.startsWith(unixScheme)) return { kind: 'unix', path: address.slice(unixScheme.length) };
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535)
    throw new Error(`"${address}" is no worker address: expected host:port or unix:/path.`);
  return { kind: 'tcp', host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

export function formatWorkerAddress(endpoint: WorkerEndpoint): string {
  if (endpoint.kind === 'unix') return `${unixScheme}${endpoint.path}`;
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

export const unixWorkerAddress = (path: string): string => formatWorkerAddress({ kind: 'unix', path });
export const tcpWorkerAddress = (host: string, port: number): string => formatWorkerAddress({ kind: 'tcp', host, port });
