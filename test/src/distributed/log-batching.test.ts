import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { probeHandler } from '../helpers/handlers.js';
import { startDistributedStack } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';

describe('invocation records are written in batches (NUBO_LOG_BATCH_MS)', () => {
  it("holds a record back for the batch interval; the writing gateway's own reads flush at once", async () => {
    const stack = await startDistributedStack({ NUBO_LOG_BATCH_MS: '60000' });
    after(() => stack.close());
    const [a, b] = stack.gateways.map((g) => g.url) as [string, string];
    const signup = await call(a, 'POST', '/v1/auth/signup', { body: { username: 'alice', password: 'password123' } });
    const key = signup.body.apiKey as string;
    const deployed = await call(a, 'PUT', '/v1/functions/batched', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } } },
    });
    assert.equal(deployed.status, 201, deployed.text);

    const first = await call(a, 'POST', '/v1/functions/batched/invoke', { key, body: {} });
    assert.equal(first.status, 200, first.text);
    const id = first.headers.get('x-nubo-request-id');
    // A call that outlasts the default interval (250 ms): the first record would be written by its end.
    const slow = await call(a, 'POST', '/v1/functions/batched/invoke', { key, body: { sleepMs: 1000 } });
    assert.equal(slow.status, 200, slow.text);

    const seenFrom = async (gateway: string) =>
      (await call(gateway, 'GET', '/v1/functions/batched/logs?limit=10', { key })).body.map((r: any) => r.requestId);
    assert.ok(!(await seenFrom(b)).includes(id), 'another gateway does not see the record before the batch is written');
    assert.ok((await seenFrom(a)).includes(id), 'the writing gateway flushes its batch before it reads');
    assert.ok((await seenFrom(b)).includes(id), 'once written, every gateway sees it');
  });
});
