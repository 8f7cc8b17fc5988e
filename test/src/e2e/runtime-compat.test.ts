import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

describe('Lambda-compatible Node.js handlers', () => {
  let nubo: TestNubo;
  let key: string;

  after(() => nubo.close());
  before(async () => {
    nubo = await startNubo();
    key = await nubo.signup('alice');
  });

  const cases: [string, Record<string, string>, string][] = [
    ['esm-mjs', { 'app.mjs': 'export const lambdaHandler = async (e) => ({ kind: "mjs", n: e.n });' }, 'app.lambdaHandler'],
    ['cjs-js', { 'index.js': 'exports.handler = async (e) => ({ kind: "cjs", n: e.n });' }, 'index.handler'],
    ['cjs-file', { 'main.cjs': 'module.exports.run = async (e) => ({ kind: "cjs-file", n: e.n });' }, 'main.run'],
    [
      'esm-js-type-module',
      { 'package.json': '{"type":"module"}', 'index.js': 'export const handler = async (e) => ({ kind: "esm-js", n: e.n });' },
      'index.handler',
    ],
    [
      'nested',
      {
        'src/lib/util.mjs': 'export const twice = (n) => n * 2;',
        'src/handler.mjs':
          'import { twice } from "./lib/util.mjs"; export const go = async (e) => ({ kind: "nested", n: twice(e.n) });',
      },
      'src/handler.go',
    ],
    [
      'callback',
      { 'index.js': 'exports.handler = (e, ctx, cb) => { setTimeout(() => cb(null, { kind: "callback", n: e.n }), 5); };' },
      'index.handler',
    ],
    ['sync', { 'index.js': 'exports.handler = (e) => ({ kind: "sync", n: e.n });' }, 'index.handler'],
  ];

  for (const [name, files, handler] of cases) {
    it(`runs ${name} (${handler})`, async () => {
      await nubo.deploy(key, name, files, { handler });
      const res = await nubo.invoke(key, name, { n: 21 });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.n, name === 'nested' ? 42 : 21);
    });
  }

  it('reports a callback error as a function error', async () => {
    await nubo.deploy(key, 'cb-error', { 'index.js': 'exports.handler = (e, ctx, cb) => cb(new RangeError("nope"));' });
    const res = await nubo.invoke(key, 'cb-error');
    assert.equal(res.status, 502);
    assert.equal(res.body.error.type, 'RangeError');
  });

  it('answers null for a handler that returns nothing, and any JSON value otherwise', async () => {
    await nubo.deploy(key, 'nothing', { 'index.mjs': 'export const handler = async (e) => e.value;' });
    assert.equal((await nubo.invoke(key, 'nothing', {})).text, 'null');
    await nubo.deploy(key, 'identity', { 'index.mjs': 'export const handler = async (e) => ({ event: e });' });
    assert.deepEqual((await nubo.invoke(key, 'identity', null)).body, { event: null }, 'a JSON null event stays null');
    const bare = await nubo.call('POST', '/v1/functions/identity/invoke', { key });
    assert.deepEqual(bare.body, { event: {} }, 'no body at all is the empty event');
    assert.equal((await nubo.invoke(key, 'nothing', { value: 'text' })).body, 'text');
    assert.deepEqual((await nubo.invoke(key, 'nothing', { value: [1, 2] })).body, [1, 2]);
  });

  it('keeps at most the documented amount of output per invocation', async () => {
    await nubo.deploy(key, 'chatty', {
      'index.mjs':
        'export const handler = async () => { for (let i = 0; i < 2000; i++) console.log("line", i); return "done"; };',
    });
    const res = await nubo.invoke(key, 'chatty');
    const record = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(Buffer.byteLength(record.logs), 4096);
    assert.equal(record.logsTruncated, true);
    assert.ok(record.logs.startsWith('line 0\nline 1\n'));
  });

  it('reports running out of memory as status oom', async () => {
    await nubo.deploy(
      key,
      'hungry',
      {
        'index.mjs':
          'const keep = []; export const handler = async () => { for (;;) keep.push(new Array(1e6).fill(Math.random())); };',
      },
      { memoryMb: 64, timeoutMs: 20_000 },
    );
    const res = await nubo.invoke(key, 'hungry');
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_OOM');
    const record = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(record.status, 'oom');
  });
});
