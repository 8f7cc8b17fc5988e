import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger } from '@nubo/core';
import { connectRedis } from '@nubo/pool';
import { probeHandler } from '../helpers/handlers.js';
import { freePort, runningWorkers, startDistributedStack } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { PoolInspector } from '../helpers/pool-inspector.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';

const silent = createLogger({ level: 'silent' });
const files = { 'index.mjs': probeHandler };

describe('asynchronous invocations across gateways', () => {
  it('runs an event again on another gateway when the one running it is killed with -9 (at least once)', async () => {
    const stack = await startDistributedStack({ NUBO_LEASE_MARGIN_MS: '500', NUBO_ASYNC_LOCK_MS: '2000' }, { gateways: 0 });
    after(() => stack.close());
    const startGateway = async () => {
      const port = await freePort('127.0.0.1');
      const child = startNuboProcess('gateway', { ...stack.env, NUBO_PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      await eventually('the gateway answers', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok);
      return { child, url };
    };
    const doomed = await startGateway();
    const key = (await call(doomed.url, 'POST', '/v1/auth/signup', { body: { username: 'ops', password: 'password123' } })).body
      .apiKey as string;
    const deployed = await call(doomed.url, 'PUT', '/v1/functions/slow', {
      key,
      body: { runtime: 'node22', handler: 'index.handler', code: { files }, timeoutMs: 5000 },
    });
    assert.equal(deployed.status, 201, deployed.text);
    const functionId = (await call(doomed.url, 'GET', '/v1/functions/slow', { key })).body.id as string;
    const queued = await call(doomed.url, 'POST', '/v1/functions/slow/invoke', {
      key,
      body: { sleepMs: 3000 },
      headers: { 'x-nubo-invocation-type': 'async' },
    });
    assert.equal(queued.status, 202, queued.text);
    const id = queued.body.requestId as string;
    await eventually('the doomed gateway runs it', async () => {
      const res = await call(doomed.url, 'GET', `/v1/invocations/${id}`, { key });
      return res.body.status === 'running' && res.body.attempts.length === 1;
    });
    const survivor = await startGateway();
    doomed.child.process.kill('SIGKILL');

    const done = await eventually(
      'the other gateway ran it to the end',
      async () => {
        const res = await call(survivor.url, 'GET', `/v1/invocations/${id}`, { key });
        return res.body.status === 'ok' ? res.body : false;
      },
      30_000,
    );
    assert.deepEqual(
      done.attempts.map((a: { attempt: number; status: string; errorType: string | null }) => [a.attempt, a.status, a.errorType]),
      [
        [1, 'crash', 'AttemptLost'],
        [2, 'ok', null],
      ],
    );
    const records = await eventually('both attempts have records', async () => {
      const logs = (await call(survivor.url, 'GET', '/v1/functions/slow/logs', { key })).body as {
        requestId: string;
        attempt: number;
        status: string;
      }[];
      const mine = logs.filter((r) => r.requestId === id);
      return mine.length === 2 ? mine : false;
    });
    assert.deepEqual(records.map((r) => [r.attempt, r.status]).sort(), [
      [1, 'crash'],
      [2, 'ok'],
    ]);

    // Nothing is left running or held: the dead gateway's lease ran out and its worker is back.
    const redis = await connectRedis({ url: stack.env.NUBO_REDIS_URL! }, silent);
    after(() => redis.quit());
    const pool = new PoolInspector(redis, stack.env.NUBO_REDIS_PREFIX!);
    await eventually('no worker stays leased', async () => {
      const snapshot = await pool.snapshot(`${functionId}:1`);
      return snapshot.leased.length === 0 && snapshot.live.length === runningWorkers(stack);
    });
  });

  it('runs each tick of a schedule exactly once across two gateways, missing none', async () => {
    const stack = await startDistributedStack();
    after(() => stack.close());
    const [first, second] = stack.gateways.map((g) => g.url) as [string, string];
    const key = (await call(first, 'POST', '/v1/auth/signup', { body: { username: 'cron', password: 'password123' } })).body
      .apiKey as string;
    // Per-second schedules are past the default quota (one tick a minute at most): the admin allows them.
    const allowed = await call(first, 'PUT', '/v1/admin/users/cron/quotas', { key, body: { scheduleMinIntervalS: 1 } });
    assert.equal(allowed.status, 200, allowed.text);
    const deployed = await call(first, 'PUT', '/v1/functions/ticker', {
      key,
      body: {
        runtime: 'node22',
        handler: 'index.handler',
        code: { files },
        schedules: [{ name: 'every-second', cron: '* * * * * *', event: { tick: true } }],
      },
    });
    assert.equal(deployed.status, 201, deployed.text);
    const byGateway = async (url: string) =>
      (
        (await call(url, 'GET', '/v1/functions/ticker/logs?limit=1000', { key })).body as {
          requestId: string;
          trigger: string;
          attempt: number;
        }[]
      ).filter((r) => r.trigger === 'schedule');
    // Ten seconds of ticks, then the schedule goes.
    await eventually('ten ticks ran', async () => (await byGateway(first)).length >= 11, 30_000);
    assert.equal((await call(second, 'DELETE', '/v1/functions/ticker/schedules/every-second', { key })).status, 204);
    const records = await byGateway(second);
    const ids = records.map((r) => r.requestId);
    assert.equal(new Set(ids).size, ids.length, 'no tick ran twice');
    assert.ok(records.every((r) => r.attempt === 1));
    const ticks = (
      await Promise.all(
        ids.map(async (id) => (await call(first, 'GET', `/v1/invocations/${id}`, { key })).body.acceptedAt as number),
      )
    ).sort((a, b) => a - b);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]! - ticks[i - 1]!, 1000, `no tick missed after ${ticks[i - 1]}`);
  });
});
