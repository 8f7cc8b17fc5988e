import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

/** Answers an event-chosen number of bytes. */
const big = 'export const handler = async ({ bytes }) => "x".repeat(bytes);\n';

/**
 * Hijacks its own runtime's answers to /invoke and drips them a byte at a time, as a hostile function
 * could: the runtime's ServerResponse.end is patched so the reply takes far longer than the timeout.
 */
const drip = `
import http from 'node:http';
const end = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.end = function (data, ...rest) {
  if (!data || this.req?.url !== '/invoke') return end.call(this, data, ...rest);
  const bytes = Buffer.from(data);
  let at = 0;
  const timer = setInterval(() => {
    if (this.destroyed) return clearInterval(timer);
    if (at >= bytes.length) { clearInterval(timer); return end.call(this); }
    this.write(bytes.subarray(at, at + 1));
    at += 1;
  }, 400);
  return this;
};
export const handler = async () => ({ padding: 'x'.repeat(200) });
`;

const httpAnswer = `export const handler = async (event) => JSON.parse(event.body);\n`;

describe('answers from functions are bounded and well-formed', () => {
  let nubo: TestNubo;
  let key: string;
  before(async () => {
    nubo = await startNubo({ NUBO_MAX_RESPONSE_BYTES: String(1024 * 1024) });
    key = await nubo.signup('bounds');
    await nubo.deploy(key, 'big', { 'index.mjs': big }, { memoryMb: 256 });
    await nubo.deploy(key, 'drip', { 'index.mjs': drip }, { timeoutMs: 1500 });
    await nubo.deploy(key, 'web', { 'index.mjs': httpAnswer }, { public: true });
  });
  after(() => nubo.close());

  const lastRecord = async (name: string) => (await nubo.call('GET', `/v1/functions/${name}/logs?limit=1`, { key })).body[0];

  it('refuses a result over NUBO_MAX_RESPONSE_BYTES with 502, records an error and replaces the worker', async () => {
    const small = await nubo.invoke(key, 'big', { bytes: 1000 });
    assert.equal(small.status, 200);
    const tooBig = await nubo.invoke(key, 'big', { bytes: 3 * 1024 * 1024 });
    assert.equal(tooBig.status, 502, tooBig.text);
    assert.equal(tooBig.body.error.code, 'NUBO_ERR_INVOKE_RESPONSE_TOO_LARGE');
    assert.match(tooBig.body.error.message, /NUBO_MAX_RESPONSE_BYTES/);
    const record = await lastRecord('big');
    assert.equal(record.status, 'error');
    assert.equal(record.errorType, 'ResponseTooLarge');
    const after = await nubo.invoke(key, 'big', { bytes: 10 });
    assert.equal(after.status, 200, 'the function keeps working');
    assert.equal(after.headers.get('x-nubo-cold-start'), 'true', 'on a new worker');
  });

  it("bounds the whole call by the function's timeout, even when the answer drips", async () => {
    const res = await nubo.invoke(key, 'drip');
    assert.equal(res.status, 504, res.text);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_TIMEOUT');
    assert.equal((await lastRecord('drip')).status, 'timeout');
  });

  // With the owner's key (the function is public anyway) the call sticks to the gateway that keeps the record.
  const trigger = (answer: unknown) => nubo.call('POST', '/fn/bounds/web/', { key, body: answer });

  it('refuses HTTP answers that are no valid response, and records them as errors', async () => {
    const bad = [
      { statusCode: 101, headers: { upgrade: 'websocket', connection: 'upgrade' } },
      { statusCode: 700 },
      { statusCode: 99 },
      { statusCode: 200, headers: { 'x-evil': 'a\r\nset-cookie: stolen=1' } },
      { statusCode: 200, headers: { 'bad header': 'x' } },
      { statusCode: 200, cookies: ['a=1\r\nx-injected: 1'] },
    ];
    for (const answer of bad) {
      const res = await trigger(answer);
      assert.equal(res.status, 502, `${JSON.stringify(answer)} → ${res.status} ${res.text}`);
      assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_BAD_RESPONSE');
      assert.equal(res.headers.get('x-injected'), null);
      const record = await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key });
      assert.equal(record.body.status, 'error', 'the record says error, not ok');
      assert.equal(record.body.errorType, 'BadResponse');
    }
  });

  it('drops framing headers and never lets a handler set the x-nubo-* headers', async () => {
    const res = await trigger({
      statusCode: 201,
      headers: {
        'transfer-encoding': 'chunked',
        connection: 'close',
        'content-length': '999',
        'keep-alive': 'timeout=1',
        'x-nubo-request-id': 'forged',
        'x-nubo-cold-start': 'forged',
        'x-kept': 'yes',
      },
      body: 'hello',
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.text, 'hello');
    assert.equal(res.headers.get('content-length'), '5', 'Nubo computes the length');
    assert.equal(res.headers.get('transfer-encoding'), null);
    assert.equal(res.headers.get('x-kept'), 'yes');
    const requestId = res.headers.get('x-nubo-request-id');
    assert.notEqual(requestId, 'forged');
    assert.notEqual(res.headers.get('x-nubo-cold-start'), 'forged');
    const record = await nubo.call('GET', `/v1/invocations/${requestId}`, { key });
    assert.equal(record.status, 200, 'the header names the real record');
  });
});
