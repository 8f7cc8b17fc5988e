/**
 * The worker runtime's baseline: a bare node:http server that reads the request, parses it and
 * answers the same JSON envelope a worker answers for a no-op handler, and does nothing else.
 * Usage: node bare-json-server.js; prints the port it listens on.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const text = JSON.stringify({
    ok: true,
    result: { ok: true, pid: process.pid },
    logs: '',
    logsTruncated: false,
    durationMs: 0,
    memoryMb: 0,
  });
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
