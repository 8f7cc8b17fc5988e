/**
 * The warm-path benchmark's second baseline: a minimal reverse proxy (node:http in, undici with
 * keep-alive out) in front of workers, run in its own process like the gateway. It sends each
 * request to an idle worker (one request at a time per worker, as Nubo does; a request waits when
 * all are busy), adds the worker's secret and passes bodies through; it does nothing else a FaaS
 * gateway does.
 * Usage: node minimal-proxy.js <worker port>[,<worker port>...] <worker secret>; prints its port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { workerSecretHeader } from '@nubo/runtime';

const [ports, secret] = process.argv.slice(2);
const idle = ports!.split(',').map((port) => new Pool(`http://127.0.0.1:${port}`, { connections: 1 }));
const waiting: ((worker: Pool) => void)[] = [];

const take = (): Promise<Pool> => {
  const worker = idle.pop();
  return worker ? Promise.resolve(worker) : new Promise((resolve) => waiting.push(resolve));
};
const giveBack = (worker: Pool): void => {
  const next = waiting.shift();
  if (next) next(worker);
  else idle.push(worker);
};

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const worker = await take();
  try {
    const answer = await worker.request({
      path: '/invoke',
      method: 'POST',
      body: Buffer.concat(chunks),
      headers: { 'content-type': 'application/json', [workerSecretHeader]: secret! },
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    response.writeHead(answer.statusCode, { 'content-type': 'application/json' });
    response.end(body);
  } finally {
    giveBack(worker);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
