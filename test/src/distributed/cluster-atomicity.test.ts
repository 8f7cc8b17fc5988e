import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger } from '@nubo/core';
import { connectRedis } from '@nubo/pool';
import { PoolInspector } from '../helpers/pool-inspector.js';
import { probeHandler } from '../helpers/handlers.js';
import { runningWorkers, startDistributedStack } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';

describe('atomicity across gateways', () => {
  it('100 concurrent invocations over two gateways never share a worker and are each logged once', async () => {
    const stack = await startDistributedStack();
    after(() => stack.close());
    const [a, b] = stack.gateways.map((g) => g.url) as [string, string];
    const signup = await call(a, 'POST', '/v1/auth/signup', { body: { username: 'alice', password: 'password123' } });
    const key = signup.body.apiKey as string;
    const deployed = await call(b, 'PUT', '/v1/functions/shared', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } }, timeoutMs: 30_000 },
    });
    assert.equal(deployed.status, 201, deployed.text);

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call(i % 2 === 0 ? a : b, 'POST', '/v1/functions/shared/invoke', { key, body: { sleepMs: 200 } }),
      ),
    );
    for (const res of results) {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.wasBusy, false, 'a worker served two requests at once');
    }

    // Each gateway writes its own records; reading through both makes both flush.
    await call(a, 'GET', '/v1/functions/shared/logs?limit=1', { key });
    await call(b, 'GET', '/v1/functions/shared/logs?limit=1', { key });
    const logs = await call(a, 'GET', '/v1/functions/shared/logs?limit=1000', { key });
    const ids = results.map((r) => r.headers.get('x-nubo-request-id')).sort();
    assert.deepEqual(logs.body.map((r: any) => r.requestId).sort(), ids, 'exactly one record per request');

    const detail = await call(a, 'GET', '/v1/functions/shared', { key });
    const redis = await connectRedis({ url: stack.env.NUBO_REDIS_URL! }, createLogger({ level: 'silent' }));
    after(() => redis.quit());
    const pool = new PoolInspector(redis, stack.env.NUBO_REDIS_PREFIX!);
    const snapshot = await pool.snapshot(`${detail.body.id}:1`);
    const running = runningWorkers(stack);
    assert.equal(snapshot.leased.length, 0, 'every worker was given back');
    assert.equal(
      snapshot.idle.length + snapshot.leased.length,
      snapshot.live.length,
      'the list and the leases add up to the live workers',
    );
    assert.equal(snapshot.live.length, running, 'no worker runs that the pool does not know');
    assert.equal(new Set(results.map((r) => r.body.worker)).size, running, 'every worker started served requests');
    assert.ok(
      snapshot.idle.some((address) => address.startsWith('127.0.0.2:')) ||
        snapshot.idle.some((address) => address.startsWith('127.0.0.3:')),
    );
  });
});
