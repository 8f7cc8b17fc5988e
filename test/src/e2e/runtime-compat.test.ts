import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isNodeRuntime, runtimeIds } from '@nubo/core';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

let nubo: TestNubo;
before(async () => {
  nubo = await startNubo();
});
after(() => nubo.close());

for (const runtime of runtimeIds.filter(isNodeRuntime))
  describe(`Lambda-compatible Node.js handlers on ${runtime}`, () => {
    let key: string;
    const deploy = (name: string, files: Record<string, string>, extra: Record<string, unknown> = {}) =>
      nubo.deploy(key, name, files, { runtime, ...extra });

    before(async () => {
      key = await nubo.signup(`user-${runtime}`);
    });

    it(`runs on the Node.js release of ${runtime}`, async () => {
      await deploy('version', { 'index.mjs': 'export const handler = async () => process.versions.node;' });
      const res = await nubo.invoke(key, 'version');
      assert.equal(res.status, 200, res.text);
      assert.equal(`node${String(res.body).split('.')[0]}`, runtime);
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
        await deploy(name, files, { handler });
        const res = await nubo.invoke(key, name, { n: 21 });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.n, name === 'nested' ? 42 : 21);
      });
    }

    it('reports a callback error as a function error', async () => {
      await deploy('cb-error', { 'index.js': 'exports.handler = (e, ctx, cb) => cb(new RangeError("nope"));' });
      const res = await nubo.invoke(key, 'cb-error');
      assert.equal(res.status, 502);
      assert.equal(res.body.error.type, 'RangeError');
    });

    it('answers null for a handler that returns nothing, and any JSON value otherwise', async () => {
      await deploy('nothing', { 'index.mjs': 'export const handler = async (e) => e.value;' });
      assert.equal((await nubo.invoke(key, 'nothing', {})).text, 'null');
      await deploy('identity', { 'index.mjs': 'export const handler = async (e) => ({ event: e });' });
      assert.deepEqual((await nubo.invoke(key, 'identity', null)).body, { event: null }, 'a JSON null event stays null');
      const bare = await nubo.call('POST', '/v1/functions/identity/invoke', { key });
      assert.deepEqual(bare.body, { event: {} }, 'no body at all is the empty event');
      assert.equal((await nubo.invoke(key, 'nothing', { value: 'text' })).body, 'text');
      assert.deepEqual((await nubo.invoke(key, 'nothing', { value: [1, 2] })).body, [1, 2]);
    });

    it('keeps at most the documented amount of output per invocation', async () => {
      await deploy('chatty', {
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
      await deploy(
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

describe("runtime ids as Lambda users type them, and node20's end of life", () => {
  let key: string;
  before(async () => {
    key = await nubo.signup('lambda-user');
  });
  const handler = { 'index.mjs': 'export const handler = async () => process.versions.node;' };

  it("accepts Lambda's runtime ids for Nubo's own", async () => {
    for (const [alias, runtime] of [
      ['nodejs22.x', 'node22'],
      ['nodejs24.x', 'node24'],
    ]) {
      const deployed = await nubo.deploy(key, `alias-${runtime}`, handler, { runtime: alias });
      assert.equal(deployed.body.version.runtime, runtime);
      assert.deepEqual(deployed.body.version.warnings, []);
      const res = await nubo.invoke(key, `alias-${runtime}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(`node${String(res.body).split('.')[0]}`, runtime);
    }
  });

  it('runs node20 functions and says on deploy and when read that node20 is past its end of life', async () => {
    const deployed = await nubo.deploy(key, 'old', handler, { runtime: 'nodejs20.x' });
    assert.equal(deployed.body.version.runtime, 'node20');
    assert.match(deployed.body.version.warnings[0], /Node\.js 20 reached its end of life .* redeploy with node22 or node24/);
    assert.equal((await nubo.invoke(key, 'old')).status, 200);
    const read = await nubo.call('GET', '/v1/functions/old', { key });
    assert.deepEqual(read.body.warnings, deployed.body.version.warnings);
    await nubo.deploy(key, 'old', handler, { runtime: 'node24' });
    assert.deepEqual((await nubo.call('GET', '/v1/functions/old', { key })).body.warnings, []);
  });

  it('refuses a runtime it does not have with 400 and the ids it has', async () => {
    const res = await nubo.call('PUT', '/v1/functions/ancient', {
      key,
      body: { runtime: 'nodejs18.x', handler: 'index.handler', code: { files: handler } },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'NUBO_ERR_DEPLOY_UNKNOWN_RUNTIME');
    assert.match(
      res.body.error.message,
      /use one of node20, node22, node24, python3\.11, provided\.al2023, provided\.al2, provided \(or Lambda's nodejs20\.x, nodejs22\.x, nodejs24\.x\)/,
    );
  });
});
