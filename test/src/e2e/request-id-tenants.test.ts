import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { stackKind, startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

const echo = 'export const handler = async (event, context) => ({ id: context.awsRequestId, event });';

describe(`no tenant can take, suppress or probe another's request ids (${stackKind})`, () => {
  let nubo: TestNubo;
  let alice: string;
  let mallory: string;
  /** An id alice means to use; mallory learned it (or guesses it) and tries to take it first. */
  const aliceId = `order-${randomUUID()}`;
  const aliceCalls: string[] = [];

  before(async () => {
    nubo = await startNubo();
    alice = await nubo.signup('alice');
    mallory = await nubo.signup('mallory');
    await nubo.deploy(alice, 'shop', { 'index.mjs': echo }, { public: true });
    await nubo.deploy(mallory, 'own', { 'index.mjs': echo });
  });
  after(() => nubo.close());

  it("refuses the attacker's chosen request ids, and her correlation ids touch nothing of the victim's", async () => {
    for (const id of [randomUUID(), aliceId]) {
      const headers = { 'x-nubo-request-id': id };
      for (const res of [
        await nubo.call('POST', '/v1/functions/own/invoke', { key: mallory, body: {}, headers }),
        await nubo.call('POST', '/v1/functions/own/invoke', {
          key: mallory,
          body: {},
          headers: { ...headers, 'x-nubo-invocation-type': 'async' },
        }),
        await nubo.trigger('POST', '/fn/alice/shop/', { body: {}, headers }),
        await nubo.call('POST', '/2015-03-31/functions/own/invocations', { key: mallory, body: {}, headers }),
      ]) {
        assert.equal(res.status, 400, res.text);
      }
    }
    // The same id as her own correlation id: on her function, sync and queued, and on alice's public one.
    const headers = { 'x-nubo-correlation-id': aliceId };
    assert.equal((await nubo.call('POST', '/v1/functions/own/invoke', { key: mallory, body: {}, headers })).status, 200);
    const queued = await nubo.call('POST', '/v1/functions/own/invoke', {
      key: mallory,
      body: {},
      headers: { ...headers, 'x-nubo-invocation-type': 'async' },
    });
    assert.equal(queued.status, 202, queued.text);
    assert.equal((await nubo.trigger('POST', '/fn/alice/shop/', { body: {}, headers })).status, 200);
  });

  it("runs and records every call of the victim's with that id, synchronous and queued", async () => {
    const headers = { 'x-nubo-correlation-id': aliceId };
    const sync = await nubo.call('POST', '/v1/functions/shop/invoke', { key: alice, body: { n: 1 }, headers });
    assert.equal(sync.status, 200, sync.text);
    aliceCalls.push(sync.headers.get('x-nubo-request-id')!);
    const queued = await nubo.call('POST', '/v1/functions/shop/invoke', {
      key: alice,
      body: { n: 2 },
      headers: { ...headers, 'x-nubo-invocation-type': 'async' },
    });
    assert.equal(queued.status, 202, queued.text);
    assert.equal(queued.body.duplicate, false, 'nothing the attacker sent made it a duplicate');
    aliceCalls.push(queued.body.requestId);
    const done = await eventually('the queued call ran', async () => {
      const state = await nubo.call('GET', `/v1/invocations/${queued.body.requestId}`, { key: alice });
      return state.body.status === 'ok' && state;
    });
    assert.equal(done.body.correlationId, aliceId);
    assert.equal(done.body.result.id, queued.body.requestId);
    const record = await nubo.call('GET', `/v1/invocations/${aliceCalls[0]}`, { key: alice });
    assert.equal(record.status, 200, record.text);
    assert.equal(record.body.correlationId, aliceId);
    const found = await eventually('both records are stored', async () => {
      const logs = await nubo.call('GET', `/v1/functions/shop/logs?correlationId=${aliceId}`, { key: alice });
      const ids = (logs.body as { requestId: string }[]).map((r) => r.requestId);
      return aliceCalls.every((id) => ids.includes(id)) && ids;
    });
    assert.ok(found.length >= 2);
  });

  it("tells the attacker nothing of the victim's calls", async () => {
    for (const id of aliceCalls) {
      const probed = await nubo.call('GET', `/v1/invocations/${id}`, { key: mallory });
      assert.equal(probed.status, 404, probed.text);
      assert.equal(probed.body.error.code, 'NUBO_ERR_INVOCATION_NOT_FOUND');
    }
    const own = await eventually('her own records are stored', async () => {
      const logs = await nubo.call('GET', `/v1/functions/own/logs?correlationId=${aliceId}`, { key: mallory });
      return logs.body.length === 2 && logs;
    });
    assert.ok(
      (own.body as { requestId: string }[]).every((r) => !aliceCalls.includes(r.requestId)),
      'her search by the id finds her own calls only',
    );
    const theirs = await nubo.call('GET', `/v1/functions/shop/logs?correlationId=${aliceId}`, { key: mallory });
    assert.equal(theirs.status, 404, "another tenant's logs are not hers to search");
  });
});
