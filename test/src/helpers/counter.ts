import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP counter: each request to /{name} adds one to that name, so a handler can count its executions. */
export async function startCounter(
  host = '127.0.0.1',
): Promise<{ url: string; count(name: string): number; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  const server = createServer((request, response) => {
    const name = (request.url ?? '/').slice(1);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    response.end(String(counts.get(name)));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    count: (name) => counts.get(name) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
