import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP barrier: each GET waits until `parties` GETs have arrived, then all are answered. */
export async function startBarrier(parties: number, host = '127.0.0.1'): Promise<{ url: string; close(): Promise<void> }> {
  const waiting: ServerResponse[] = [];
  const server = createServer((_request, response) => {
    waiting.push(response);
    if (waiting.length === parties) for (const r of waiting.splice(0)) r.end('go');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
