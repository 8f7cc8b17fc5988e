import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { call, type CallOptions, type HttpResult } from '../helpers/http.js';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

const echo = `export const handler = async (event) => {
  if (event.fail) throw new TypeError('asked to fail');
  return event;
};`;
const maxEventBytes = 64 * 1024;

/** Headers whose values differ from call to call by nature. */
const perCall = new Set(['date', 'x-nubo-request-id', 'x-nubo-duration-ms', 'connection', 'keep-alive']);

describe('the invoke fast lane answers exactly as the Fastify route, and only when every check is settled', () => {
  let nubo: TestNubo;
  let key: string;

  after(() => nubo.close());
  before(async () => {
    nubo = await startNubo({ NUBO_MAX_EVENT_BYTES: String(maxEventBytes) });
    key = await nubo.signup('alice');
    await nubo.deploy(key, 'echo', { 'index.mjs': echo });
  });

  /** Calls the fast lane served, summed over every gateway (read from /metrics). */
  async function laneCalls(): Promise<number> {
    let sum = 0;
    for (const url of nubo.urls) {
      const text = (await call(url, 'GET', '/metrics')).text;
      const line = text.split('\n').find((l) => l.startsWith('nubo_invocations_fast_lane_total '));
      assert.ok(line, 'the gateway reports nubo_invocations_fast_lane_total');
      sum += Number(line.split(' ')[1]);
    }
    return sum;
  }

  /** A call, and how many of the fast lane's calls it made. */
  async function counted(path: string, options: CallOptions): Promise<{ res: HttpResult; lane: number }> {
    const before = await laneCalls();
    const res = await nubo.call('POST', path, options);
    return { res, lane: (await laneCalls()) - before };
  }

  const comparable = (res: HttpResult) => ({
    status: res.status,
    headers: [...res.headers.entries()].filter(([name]) => !perCall.has(name)),
    body: res.body?.error ? { error: { ...res.body.error, requestId: undefined, stack: undefined } } : res.body,
  });

  /** The same call on the fast lane and, with a query string the lane leaves alone, on the Fastify route. */
  async function bothLanes(options: CallOptions) {
    await nubo.invoke(key, 'echo', { warm: true });
    const fast = await counted('/v1/functions/echo/invoke', { key, ...options });
    const fastify = await counted('/v1/functions/echo/invoke?via=fastify', { key, ...options });
    assert.equal(fast.lane, 1, 'the fast lane served the plain call');
    assert.equal(fastify.lane, 0, 'the Fastify route served the call with a query string');
    assert.deepEqual(comparable(fast.res), comparable(fastify.res));
    return fast.res;
  }

  it('answers results, function errors and bad bodies with the same status, headers and body', async () => {
    const event = { text: 'grüße 😀 €', list: [1, 2.5, null, { deep: [true] }], big: 'x'.repeat(40_000) };
    const ok = await bothLanes({ body: event });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body, event);
    assert.equal(ok.headers.get('x-nubo-cold-start'), 'false');

    const failed = await bothLanes({ body: { fail: true } });
    assert.equal(failed.status, 502, failed.text);
    assert.equal(failed.body.error.code, 'NUBO_ERR_INVOKE_FUNCTION_ERROR');
    assert.equal(failed.body.error.type, 'TypeError');
    assert.equal(failed.body.error.requestId, failed.headers.get('x-nubo-request-id'));

    for (const data of ['{"not json', '{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"admin": true}}}']) {
      const fast = await counted('/v1/functions/echo/invoke', { key, raw: { data, contentType: 'application/json' } });
      const fastify = await counted('/v1/functions/echo/invoke?via=fastify', {
        key,
        raw: { data, contentType: 'application/json' },
      });
      assert.equal(fast.lane, 1);
      for (const res of [fast.res, fastify.res]) {
        assert.equal(res.status, 400, `${data}: ${res.text}`);
        assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_INVALID_JSON');
      }
    }
  });

  it("keeps the caller's correlation id and records every lane's call once", async () => {
    const sent = `order-${randomUUID()}`;
    const { res, lane } = await counted('/v1/functions/echo/invoke', {
      key,
      body: { id: true },
      headers: { 'x-nubo-correlation-id': sent },
    });
    assert.equal(lane, 1);
    assert.equal(res.headers.get('x-nubo-correlation-id'), sent);
    const record = await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key });
    assert.equal(record.status, 200, record.text);
    assert.equal(record.body.status, 'ok');
    assert.equal(record.body.cold, false);
    assert.equal(record.body.correlationId, sent);
  });

  it('leaves every request it would have to refuse or treat differently to the Fastify route', async () => {
    await nubo.invoke(key, 'echo', {});
    const stranger = await nubo.signup('mallory');
    const cases: [string, string, CallOptions, number][] = [
      ['no key', '/v1/functions/echo/invoke', { body: {} }, 401],
      ['a wrong key', '/v1/functions/echo/invoke', { key: `${key}x`, body: {} }, 401],
      ["another user's function", '/v1/functions/echo/invoke', { key: stranger, body: {} }, 404],
      ['an unknown function', '/v1/functions/nope/invoke', { key, body: {} }, 404],
      ['no body', '/v1/functions/echo/invoke', { key }, 200],
      ['a body over the limit', '/v1/functions/echo/invoke', { key, body: { big: 'x'.repeat(maxEventBytes) } }, 413],
      ['a text body', '/v1/functions/echo/invoke', { key, raw: { data: 'hello', contentType: 'text/plain' } }, 200],
      [
        "a caller's request id",
        '/v1/functions/echo/invoke',
        { key, body: {}, headers: { 'x-nubo-request-id': randomUUID() } },
        400,
      ],
      [
        'a correlation id with a space',
        '/v1/functions/echo/invoke',
        { key, body: {}, headers: { 'x-nubo-correlation-id': 'a b' } },
        400,
      ],
      ['an async call', '/v1/functions/echo/invoke', { key, body: {}, headers: { 'x-nubo-invocation-type': 'async' } }, 202],
      [
        'an unknown invocation type',
        '/v1/functions/echo/invoke',
        { key, body: {}, headers: { 'x-nubo-invocation-type': 'x' } },
        400,
      ],
      ['a GET', '/v1/functions/echo/invoke', { key }, 404],
    ];
    for (const [what, path, options, status] of cases) {
      const before = await laneCalls();
      const res = await nubo.call(what === 'a GET' ? 'GET' : 'POST', path, options);
      assert.equal(res.status, status, `${what}: ${res.text}`);
      assert.equal((await laneCalls()) - before, 0, `${what} went to the Fastify route`);
      if (status >= 400) assert.match(res.body.error.code, /^NUBO_ERR_/, what);
    }
  });

  it('follows a revoked key and a new version at once', async () => {
    const created = await nubo.call('POST', '/v1/keys', { key, body: { name: 'short-lived' } });
    assert.equal(created.status, 201, created.text);
    const shortLived = created.body.apiKey as string;
    assert.equal((await nubo.invoke(shortLived, 'echo', {})).status, 200);
    assert.equal((await counted('/v1/functions/echo/invoke', { key: shortLived, body: {} })).lane, 1);
    const revoked = await nubo.call('DELETE', `/v1/keys/${created.body.keyId}`, { key });
    assert.equal(revoked.status, 204, revoked.text);
    const refused = await counted('/v1/functions/echo/invoke', { key: shortLived, body: {} });
    assert.equal(refused.res.status, 401, refused.res.text);
    assert.equal(refused.lane, 0);

    await nubo.deploy(key, 'echo', { 'index.mjs': 'export const handler = async () => "second";' });
    for (let i = 0; i < 2; i++) {
      const res = await nubo.invoke(key, 'echo', {});
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body, 'second');
    }
    const removed = await nubo.call('DELETE', '/v1/functions/echo', { key });
    assert.equal(removed.status, 204, removed.text);
    const gone = await nubo.invoke(key, 'echo', {});
    assert.equal(gone.status, 404, gone.text);
  });
});
