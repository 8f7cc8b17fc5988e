import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, stemKindId } from '@nubo/core';
import { connectRedis, RedisManagerRegistry } from '@nubo/pool';
import type { Redis } from 'ioredis';
import { startDistributedStack, type DistributedStack } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { eventually } from '../helpers/processes.js';
import { service } from '../helpers/services.js';

const noop = { 'index.mjs': 'export const handler = async () => ({ ok: true });\n' };

describe('placement: a cold start goes to the manager holding a ready stem cell of its kind', () => {
  let stack: DistributedStack;
  let redis: Redis;
  let registry: RedisManagerRegistry;
  let url: string;
  let key: string;

  before(async () => {
    stack = await startDistributedStack({ NUBO_STEM_CELLS: '1' });
    url = stack.gateways[0]!.url;
    redis = await connectRedis({ url: service('REDIS_URL') }, createLogger({ level: 'silent' }));
    registry = new RedisManagerRegistry(redis, stack.env.NUBO_REDIS_PREFIX!, 1500);
    key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'placed', password: 'correct horse battery' } })).body
      .apiKey;
  });
  after(async () => {
    await redis?.quit();
    await stack?.close();
  });

  const deploy = async (name: string) => {
    const res = await call(url, 'PUT', `/v1/functions/${name}`, {
      key,
      body: { runtime: 'node22', handler: 'index.handler', code: { files: noop }, memoryMb: 128 },
    });
    assert.ok(res.status === 200 || res.status === 201, res.text);
  };
  /**
   * The one manager holding a ready stem cell of the kind, once a heartbeat sent after it was ready
   * announces it (an older heartbeat may still announce the stem cell a deploy's probe just took).
   */
  const holder = async (kind: string) => {
    const node = await eventually(`a ready ${kind} stem cell`, async () => {
      const holding = stack.managers.filter((m) => (m.manager.load().stems.byKind[kind] ?? 0) > 0);
      return holding.length === 1 && holding[0]!;
    });
    const readyAt = Date.now();
    await eventually(`${node.id} announcing it`, async () =>
      (await registry.alive()).some((m) => m.id === node.id && m.heartbeatAt > readyAt && (m.stems.byKind[kind] ?? 0) > 0),
    );
    return node.id;
  };

  it('takes the stem cell even where another manager has more free room', async () => {
    const kind = stemKindId({ runtime: 'node22', memoryMb: 128, network: 'egress' });
    // The first deploy's probe is the kind's first cold start, on one of the two managers: that one keeps a stem cell.
    await deploy('first');
    const holderId = await holder(kind);
    for (let i = 0; i < 3; i++) {
      await deploy(`next-${i}`);
      assert.equal(await holder(kind), holderId, 'only the manager that cold-started the kind keeps its stem cells');
      const res = await call(url, 'POST', `/v1/functions/next-${i}/invoke`, { key, body: {} });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('x-nubo-cold-start'), 'true');
      const [record] = (await call(url, 'GET', `/v1/functions/next-${i}/logs?limit=1`, { key })).body;
      assert.equal(record.stemCell, true, `call ${i} was served by a stem cell`);
      const ranOn = stack.managers.find((m) => m.manager.liveWorkers().some((w) => w.id === record.workerId));
      assert.equal(ranOn?.id, holderId);
    }
  });
});
