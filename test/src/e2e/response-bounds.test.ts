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

/**
 * Subverts its own runtime: keeps the result-offset header but writes bytes that are no JSON where
 * the result goes, as a hostile function could (the gateway passes a result's bytes on unparsed).
 */
const corrupt = `
import http from 'node:http';
const garbage = '[1, nope';
const writeHead = http.ServerResponse.prototype.writeHead;
const end = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.writeHead = function (status, headers) {
  const offset = headers?.['x-nubo-result-offset'];
  if (offset) {
    this.resultOffset = offset;
    headers['content-length'] = offset + Buffer.byteLength(garbage) + 1;
  }
  return writeHead.call(this, status, headers);
};
http.ServerResponse.prototype.end = function (data, ...rest) {
  if (!this.resultOffset) return end.call(this, data, ...rest);
  return end.call(this, Buffer.concat([Buffer.from(data).subarray(0, this.resultOffset), Buffer.from(garbage + '}')]));
};
export const handler = async () => ({ statusCode: 200, body: 'fine' });
`;

/** Answers as a runtime from before the result offset did: the same reply, without the header. */
const withoutOffset = `
import http from 'node:http';
const writeHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function (status, headers) {
  if (headers) delete headers['x-nubo-result-offset'];
  return writeHead.call(this, status, headers);
};
export const handler = async () => ({ statusCode: 201, body: 'parsed whole', list: [1, 'two'] });
`;

describe('answers from functions are bounded and well-formed', () => {
  let nubo: TestNubo;
  let key: string;
  before(async () => {
    nubo = await startNubo({ NUBO_MAX_RESPONSE_BYTES: String(1024 * 1024) });
    key = await nubo.signup('bounds');
    await nubo.deploy(key, 'big', { 'index.mjs': big }, { memoryMb: 256 });
    await nubo.deploy(key, 'drip', { 'index.mjs': drip }, { timeoutMs: 1500 });
    await nubo.deploy(key, 'web', { 'index.mjs': httpAnswer }, { public: true });
    await nubo.deploy(key, 'corrupt', { 'index.mjs': corrupt }, { public: true });
    await nubo.deploy(key, 'legacy', { 'index.mjs': withoutOffset }, { public: true });
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

  it("holds a result's JSON to NUBO_MAX_RESPONSE_BYTES exactly, keeping the worker", async () => {
    const limit = 1024 * 1024;
    // A string of n characters is n + 2 bytes of JSON.
    const atLimit = await nubo.invoke(key, 'big', { bytes: limit - 2 });
    assert.equal(atLimit.status, 200, atLimit.text.slice(0, 200));
    assert.equal(Number(atLimit.headers.get('content-length')), limit);
    const justOver = await nubo.invoke(key, 'big', { bytes: limit - 1 });
    assert.equal(justOver.status, 502, justOver.text);
    assert.equal(justOver.body.error.code, 'NUBO_ERR_INVOKE_RESPONSE_TOO_LARGE');
    assert.equal((await lastRecord('big')).errorType, 'ResponseTooLarge');
    const next = await nubo.invoke(key, 'big', { bytes: 10 });
    assert.equal(next.headers.get('x-nubo-cold-start'), 'false', 'an answer read whole leaves the worker usable');
  });

  it("passes a subverted runtime's result bytes only to its own caller, and the HTTP trigger refuses them", async () => {
    const direct = await nubo.invoke(key, 'corrupt', {});
    assert.equal(direct.status, 200);
    assert.equal(direct.text, '[1, nope', "the function's own answer, as its runtime wrote it");
    assert.equal(direct.headers.get('x-nubo-status'), 'ok');
    const viaTrigger = await nubo.call('GET', '/fn/bounds/corrupt/', { key });
    assert.equal(viaTrigger.status, 502, viaTrigger.text);
    assert.equal(viaTrigger.body.error.type, 'InvalidResult');
    assert.equal((await lastRecord('corrupt')).errorType, 'InvalidResult');
  });

  it('reads a reply without the result offset whole, as before', async () => {
    const direct = await nubo.invoke(key, 'legacy', {});
    assert.equal(direct.status, 200, direct.text);
    assert.deepEqual(direct.body, { statusCode: 201, body: 'parsed whole', list: [1, 'two'] });
    const viaTrigger = await nubo.call('GET', '/fn/bounds/legacy/', { key });
    assert.equal(viaTrigger.status, 201, viaTrigger.text);
    assert.equal(viaTrigger.text, 'parsed whole');
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
