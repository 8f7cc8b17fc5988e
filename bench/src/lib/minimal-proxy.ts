/**
 * The warm-path benchmark's second baseline: a minimal reverse proxy (node:http in, undici with
 * keep-alive out) in front of one worker, run in its own process like the gateway. It adds the
 * worker's secret and passes bodies through; it does nothing else a FaaS gateway does.
 * Usage: node minimal-proxy.js <worker port> <worker secret>; prints the port it listens on.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { workerSecretHeader } from '@nubo/runtime';

const [workerPort, secret] = process.argv.slice(2);
const worker = new Pool(`http://127.0.0.1:${workerPort}`, { connections: 32 });

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const answer = await worker.request({
    path: '/invoke',
    method: 'POST',
    body: Buffer.concat(chunks),
    headers: { 'content-type': 'application/json', [workerSecretHeader]: secret! },
  });
  response.writeHead(answer.statusCode, { 'content-type': 'application/json' });
  response.end(Buffer.from(await answer.body.arrayBuffer()));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
