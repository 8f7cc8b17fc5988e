import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger } from '@nubo/core';
import { RedisManagerRegistry, connectRedis } from '@nubo/pool';
import { freePort, startDistributedStack } from '../helpers/distributed-stack.js';
import { probeHandler } from '../helpers/handlers.js';
import { call } from '../helpers/http.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const functions = ['north', 'south', 'east'];
/** Three managers of 512 MB hold three floors of four 128 MB workers: every manager is full. */
const floor = 4;

describe('warm floors when a manager dies: a shortfall, never churn', () => {
  it('reports the shortfall, starts and evicts nothing while room is short, and refills when the manager returns', async () => {
    const stack = await startDistributedStack({ NUBO_MANAGER_MEMORY_MB: '512', NUBO_PREWARM_INTERVAL_MS: '100' });
    after(() => stack.close());
    const redis = await connectRedis({ url: stack.env.NUBO_REDIS_URL! }, createLogger({ level: 'silent' }));
    after(() => redis.quit());
    const registry = new RedisManagerRegistry(redis, stack.env.NUBO_REDIS_PREFIX!, Number(stack.env.NUBO_MANAGER_TTL_MS));
    const port = await freePort('127.0.0.4');
    const thirdEnv = { ...stack.env, NUBO_MANAGER_URL: `http://127.0.0.4:${port}`, NUBO_DATA_DIR: await tempDir() };
    let third = startNuboProcess('manager', thirdEnv);
    await eventually('three managers are alive', async () => (await registry.alive()).length === 3);

    const url = stack.gateways[0]!.url;
    const key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'ops', password: 'password123' } })).body.apiKey;
    const deploy = (name: string, minWarm: number) =>
      call(url, 'PUT', `/v1/functions/${name}`, {
        key,
        body: {
          runtime: 'node20',
          handler: 'index.handler',
          code: { files: { 'index.mjs': probeHandler } },
          memoryMb: 128,
          minWarm,
        },
      });
    for (const name of functions) {
      const res = await deploy(name, floor);
      assert.equal(res.status, 201, res.text);
    }
    const detail = async (name: string) => (await call(url, 'GET', `/v1/functions/${name}`, { key })).body;
    const state = async () => {
      const all = await Promise.all(functions.map(detail));
      return {
        live: all.reduce((sum, fn) => sum + fn.liveWorkers, 0),
        shortfall: all.reduce((sum, fn) => sum + fn.warmShortfall, 0),
      };
    };
    await eventually('every floor is filled on three managers', async () => {
      const { live, shortfall } = await state();
      return live === 3 * floor && shortfall === 0;
    });
    const extra = await deploy('west', 1);
    assert.equal(extra.status, 409, 'the floors reserve all the room');

    const killedAt = Date.now();
    third.process.kill('SIGKILL');
    await third.exited;
    const survivors = () =>
      stack.managers
        .flatMap((m) => m.manager.liveWorkers())
        .map((w) => ({ id: w.id, startedAt: w.startedAt }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    await eventually('the dead manager’s floor workers are reported short', async () => {
      const { live, shortfall } = await state();
      return live === 2 * floor && shortfall === floor;
    });
    const settled = survivors();
    assert.equal(settled.length, 2 * floor);
    assert.ok(
      settled.every((w) => w.startedAt < killedAt),
      'no worker started after the kill: the floors did not evict each other',
    );
    // Thirty prewarm rounds later nothing has changed.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(survivors(), settled);
    }

    third = startNuboProcess('manager', thirdEnv);
    after(() => third.process.kill('SIGKILL'));
    await eventually(
      'the floors are refilled when the manager returns',
      async () => {
        const { live, shortfall } = await state();
        return live === 3 * floor && shortfall === 0;
      },
      30_000,
    );
    assert.deepEqual(
      survivors().filter((w) => w.startedAt < killedAt),
      settled,
      'the surviving floor workers are still the same',
    );
  });
});
