import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

/** Answers an event-chosen number of bytes. */
const big = 'export const handler = async ({ bytes }) => "x".repeat(bytes);\n';

/** What a hostile function patches to reach its runtime's reply frames (protocol.ts): the one write of each. */
const replyFrames = `
import net from 'node:net';
const write = net.Socket.prototype.write;
const isReplyFrame = (data) => Buffer.isBuffer(data) && data.length >= 12 && data.readUInt32BE(0) === data.length - 12;
`;

/** Hijacks its own runtime's reply frames and drips them a byte at a time, far slower than the timeout. */
const drip = `${replyFrames}
net.Socket.prototype.write = function (data, ...rest) {
  if (!isReplyFrame(data)) return write.call(this, data, ...rest);
  let at = 0;
  const timer = setInterval(() => {
    if (this.destroyed || at >= data.length) return clearInterval(timer);
    write.call(this, data.subarray(at, at + 1));
    at += 1;
  }, 400);
  return true;
};
export const handler = async () => ({ padding: 'x'.repeat(200) });
`;

const httpAnswer = `export const handler = async (event) => JSON.parse(event.body);\n`;

/**
 * Subverts its own runtime: keeps the result offset but writes bytes that are no JSON where the
 * result goes, as a hostile function could (the gateway passes a result's bytes on unparsed).
 */
const corrupt = `${replyFrames}
const garbage = Buffer.from('[1, nope}');
net.Socket.prototype.write = function (data, ...rest) {
  if (!isReplyFrame(data) || data.readUInt32BE(8) === 0) return write.call(this, data, ...rest);
  const offset = data.readUInt32BE(8);
  const body = Buffer.concat([data.subarray(12, 12 + offset), garbage]);
  const header = Buffer.alloc(12);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(200, 4);
  header.writeUInt32BE(offset, 8);
  return write.call(this, Buffer.concat([header, body]), ...rest);
};
export const handler = async () => ({ statusCode: 200, body: 'fine' });
`;

/** Answers as a runtime that does not mark the result: the same reply, with a result offset of 0. */
const withoutOffset = `${replyFrames}
net.Socket.prototype.write = function (data, ...rest) {
  if (isReplyFrame(data)) data.writeUInt32BE(0, 8);
  return write.call(this, data, ...rest);
};
export const handler = async () => ({ statusCode: 201, body: 'parsed whole', list: [1, 'two'] });
`;

/** Answers every call twice: its reply frame, then a forged one that would answer the next call. */
const answersTwice = `${replyFrames}
const forged = Buffer.from(JSON.stringify({ ok: true, logs: '', logsTruncated: false, durationMs: 0, memoryMb: 1, result: 'forged' }));
const header = Buffer.alloc(12);
header.writeUInt32BE(forged.length, 0);
header.writeUInt32BE(200, 4);
net.Socket.prototype.write = function (data, ...rest) {
  if (!isReplyFrame(data)) return write.call(this, data, ...rest);
  return write.call(this, Buffer.concat([data, header, forged]), ...rest);
};
let calls = 0;
export const handler = async () => ({ calls: ++calls });
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
    await nubo.deploy(key, 'twice', { 'index.mjs': answersTwice });
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
    const viaTrigger = await nubo.trigger('GET', '/fn/bounds/corrupt/', { key });
    assert.equal(viaTrigger.status, 502, viaTrigger.text);
    assert.equal(viaTrigger.body.error.type, 'InvalidResult');
    assert.equal((await lastRecord('corrupt')).errorType, 'InvalidResult');
  });

  it('reads a reply without a result offset whole', async () => {
    const direct = await nubo.invoke(key, 'legacy', {});
    assert.equal(direct.status, 200, direct.text);
    assert.deepEqual(direct.body, { statusCode: 201, body: 'parsed whole', list: [1, 'two'] });
    const viaTrigger = await nubo.trigger('GET', '/fn/bounds/legacy/', { key });
    assert.equal(viaTrigger.status, 201, viaTrigger.text);
    assert.equal(viaTrigger.text, 'parsed whole');
  });

  it('never takes a second answer to one call as the answer to the next', async () => {
    for (const call of [1, 2, 3]) {
      const res = await nubo.invoke(key, 'twice', {});
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { calls: call }, 'the answer of this call, not the forged one');
    }
  });

  it("bounds the whole call by the function's timeout, even when the answer drips", async () => {
    const res = await nubo.invoke(key, 'drip');
    assert.equal(res.status, 504, res.text);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_TIMEOUT');
    assert.equal((await lastRecord('drip')).status, 'timeout');
  });

  // With the owner's key (the function is public anyway) the call sticks to the gateway that keeps the record.
  const trigger = (answer: unknown) => nubo.trigger('POST', '/fn/bounds/web/', { key, body: answer });

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
