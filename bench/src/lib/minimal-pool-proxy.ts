/**
 * The distributed benchmark's second baseline: the minimal proxy (lib/minimal-proxy.ts) taking its
 * worker from Nubo's Redis pool as a gateway does — the pool's own acquire script under a lease
 * before the call, its give-back script after the answer — and doing nothing else a FaaS gateway
 * does (no keys, no lookups, no record). What one Redis round trip per call costs a bare Node proxy.
 * Usage: node minimal-pool-proxy.js <worker host:port> <worker secret> <redis url> <key prefix>; prints its port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { createLogger, poolKey, type WorkerInfo } from '@nubo/core';
import { connectRedis, RedisWorkerPool } from '@nubo/pool';
import { workerSecretHeader } from '@nubo/runtime';

const [address, secret, redisUrl, prefix] = process.argv.slice(2) as [string, string, string, string];
const redis = await connectRedis({ url: redisUrl }, createLogger({ level: 'silent' }));
const pool = new RedisWorkerPool(redis, prefix);
const key = poolKey('minimal-pool-proxy', 1);
const leaseMs = 60_000;
const worker: WorkerInfo = {
  id: 'minimal-pool-proxy-worker',
  address,
  managerId: 'minimal-pool-proxy',
  functionId: 'minimal-pool-proxy',
  version: 1,
  idleTtlMs: 3_600_000,
  minWarm: 0,
  startedAt: Date.now(),
  initMs: 0,
  secret,
};
// The worker enters the pool as a cold start's would: a start slot, adopted, given back.
const slot = await pool.acquire(key, { leaseMs, maxWorkers: 1, waitMs: 0 });
if (slot.kind !== 'cold') throw new Error(`the pool key ${key} is not empty: use a fresh key prefix`);
await pool.adopt(key, slot.ticket, worker, leaseMs);
await pool.giveBack(worker);

const connection = new Pool(`http://${address}`, { connections: 1 });
const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const taken = await pool.acquire(key, { leaseMs, maxWorkers: 1, waitMs: leaseMs });
  if (taken.kind !== 'warm') {
    response.writeHead(503).end();
    return;
  }
  const answer = await connection.request({
    path: '/invoke',
    method: 'POST',
    body: Buffer.concat(chunks),
    headers: { 'content-type': 'application/json', [workerSecretHeader]: taken.worker.secret },
  });
  const body = Buffer.from(await answer.body.arrayBuffer());
  response.writeHead(answer.statusCode, { 'content-type': 'application/json' });
  response.end(body);
  void pool.giveBack(taken.worker);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
