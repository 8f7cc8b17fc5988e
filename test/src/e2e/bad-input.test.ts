import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { zipSync, strToU8 } from 'fflate';
import { versionHandler } from '../helpers/handlers.js';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

const ok = { 'index.mjs': versionHandler('ok') };
const zipBase64 = (entries: Record<string, Uint8Array>) => Buffer.from(zipSync(entries)).toString('base64');

/** A zip whose entry `name` claims `claimedBytes` in its local and central headers, whatever it holds. */
function lyingZip(entries: Record<string, Uint8Array>, name: string, claimedBytes: number): string {
  const zip = zipSync(entries, { level: 9 });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at < zip.length - 46; at++) {
    const signature = view.getUint32(at, true);
    const local = signature === 0x04034b50;
    if (!local && signature !== 0x02014b50) continue;
    const nameStart = at + (local ? 30 : 46);
    const entryName = Buffer.from(zip.subarray(nameStart, nameStart + view.getUint16(at + (local ? 26 : 28), true))).toString();
    if (entryName === name) view.setUint32(at + (local ? 22 : 24), claimedBytes, true);
  }
  return Buffer.from(zip).toString('base64');
}

describe('bad input gets a clear 4xx, never a crash', () => {
  let nubo: TestNubo;
  let key: string;

  after(() => nubo.close());
  before(async () => {
    nubo = await startNubo({ NUBO_MAX_CODE_BYTES: '4096', NUBO_MAX_CODE_UNZIPPED_BYTES: '65536', NUBO_MAX_EVENT_BYTES: '2048' });
    key = await nubo.signup('alice');
    await nubo.deploy(key, 'good', ok);
  });

  async function deploy(name: string, body: Record<string, unknown>) {
    return nubo.call('PUT', `/v1/functions/${name}`, {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: ok }, ...body },
    });
  }

  function expectError(res: { status: number; body: any; text: string }, status: number, code: string, message?: RegExp) {
    assert.equal(res.status, status, res.text);
    assert.equal(res.body.error.code, code, res.text);
    assert.equal(typeof res.body.error.message, 'string');
    if (message) assert.match(res.body.error.message, message);
  }

  it('rejects invalid function names', async () => {
    for (const name of ['Hello', '1abc', 'a'.repeat(64), 'with_underscore', 'dots.js']) {
      expectError(await deploy(name, {}), 400, 'NUBO_ERR_FUNCTION_INVALID_NAME', /lowercase letters/);
    }
  });

  it('rejects an unknown runtime', async () => {
    expectError(
      await deploy('f', { runtime: 'ruby3' }),
      400,
      'NUBO_ERR_DEPLOY_UNKNOWN_RUNTIME',
      /node20, node22, node24, python3\.11/,
    );
  });

  it('rejects malformed handlers, missing handler files and missing exports', async () => {
    expectError(await deploy('f', { handler: 'index' }), 400, 'NUBO_ERR_DEPLOY_INVALID_HANDLER', /<file>\.<export>/);
    expectError(await deploy('f', { handler: '../up.handler' }), 400, 'NUBO_ERR_DEPLOY_INVALID_HANDLER');
    expectError(await deploy('f', { handler: 'main.handler' }), 400, 'NUBO_ERR_DEPLOY_HANDLER_FILE_MISSING', /main\.js/);
    expectError(await deploy('f', { handler: 'index.nothere' }), 400, 'NUBO_ERR_DEPLOY_HANDLER_EXPORT_MISSING', /nothere/);
    expectError(
      await deploy('f', { code: { files: { 'index.js': 'this is not javascript(' } } }),
      400,
      'NUBO_ERR_DEPLOY_INIT_FAILED',
      /failed to load/,
    );
  });

  it('counts the bytes a zip really inflates: a bomb that lies about its size is stopped at the limit', async () => {
    const bomb = lyingZip({ 'index.mjs': strToU8(versionHandler('b')), 'bomb.bin': new Uint8Array(1024 * 1024) }, 'bomb.bin', 10);
    assert.ok(bomb.length < 4096, 'the bomb fits the zipped limit');
    const res = await deploy('bomb', { code: { zip: bomb } });
    expectError(res, 413, 'NUBO_ERR_DEPLOY_CODE_TOO_LARGE', /65536/);
    const liar = lyingZip({ 'index.mjs': strToU8(versionHandler('l')), 'data.bin': new Uint8Array(1000) }, 'data.bin', 100);
    expectError(
      await deploy('liar', { code: { zip: liar } }),
      400,
      'NUBO_ERR_DEPLOY_INVALID_ZIP',
      /declares 100 bytes but holds 1000/,
    );
  });

  it('rejects malformed base64 and malformed zips', async () => {
    expectError(await deploy('f', { code: { zip: 'not base64 at all!' } }), 400, 'NUBO_ERR_DEPLOY_INVALID_BASE64');
    expectError(
      await deploy('f', { code: { zip: Buffer.from('definitely not a zip').toString('base64') } }),
      400,
      'NUBO_ERR_DEPLOY_INVALID_ZIP',
    );
    expectError(await deploy('f', { code: { files: {} } }), 400, 'NUBO_ERR_DEPLOY_EMPTY_CODE');
  });

  it('rejects code paths that escape the code directory', async () => {
    const evil = zipBase64({ 'index.mjs': strToU8(versionHandler('x')), '../evil.js': strToU8('boom') });
    expectError(await deploy('f', { code: { zip: evil } }), 400, 'NUBO_ERR_DEPLOY_PATH_ESCAPE', /\.\.\/evil\.js/);
    expectError(await deploy('f', { code: { files: { ...ok, '/etc/x': 'y' } } }), 400, 'NUBO_ERR_DEPLOY_PATH_ESCAPE');
    expectError(await deploy('f', { code: { files: { ...ok, 'a/../../x': 'y' } } }), 400, 'NUBO_ERR_DEPLOY_PATH_ESCAPE');
  });

  it('rejects code over the size limits, zipped and unzipped', async () => {
    const random = randomBytes(6000).toString('base64');
    expectError(await deploy('f', { code: { files: { ...ok, 'big.txt': random } } }), 413, 'NUBO_ERR_DEPLOY_CODE_TOO_LARGE');
    const bomb = zipBase64({ 'index.mjs': strToU8(versionHandler('x')), 'zeros.bin': new Uint8Array(200_000) });
    expectError(await deploy('f', { code: { zip: bomb } }), 413, 'NUBO_ERR_DEPLOY_CODE_TOO_LARGE', /unzips/);
    const huge = await nubo.call('PUT', '/v1/functions/f', {
      key,
      raw: {
        data: JSON.stringify({ runtime: 'node20', handler: 'index.handler', code: { zip: 'A'.repeat(2_000_000) } }),
        contentType: 'application/json',
      },
    });
    expectError(huge, 413, 'NUBO_ERR_DEPLOY_CODE_TOO_LARGE');
  });

  it('rejects invalid and reserved environment variable names', async () => {
    expectError(await deploy('f', { env: { '1BAD': 'x' } }), 400, 'NUBO_ERR_DEPLOY_INVALID_ENV', /1BAD/);
    expectError(await deploy('f', { env: { 'WITH-DASH': 'x' } }), 400, 'NUBO_ERR_DEPLOY_INVALID_ENV');
    expectError(await deploy('f', { env: { NUBO_HANDLER: 'x' } }), 400, 'NUBO_ERR_DEPLOY_INVALID_ENV', /reserved/);
  });

  it('rejects a malformed deploy request with the field it is about', async () => {
    expectError(await deploy('f', { memoryMb: 'lots' }), 400, 'NUBO_ERR_REQUEST_INVALID', /memoryMb/);
    expectError(await deploy('f', { unknownField: 1 }), 400, 'NUBO_ERR_REQUEST_INVALID');
    expectError(await deploy('f', { code: { tarball: 'x' } }), 400, 'NUBO_ERR_REQUEST_INVALID', /code/);
  });

  it('keeps the last good version when a deploy fails', async () => {
    expectError(await deploy('good', { handler: 'index.nothere' }), 400, 'NUBO_ERR_DEPLOY_HANDLER_EXPORT_MISSING');
    const detail = await nubo.call('GET', '/v1/functions/good', { key });
    assert.deepEqual(
      detail.body.versions.map((v: any) => v.version),
      [1],
    );
    assert.deepEqual((await nubo.invoke(key, 'good')).body, { tag: 'ok' });
    assert.equal((await nubo.call('GET', '/v1/functions/f', { key })).status, 404, 'failed first deploys leave no function');
  });

  it('rejects events over the size limit and events that are not JSON', async () => {
    expectError(await nubo.invoke(key, 'good', { blob: 'x'.repeat(3000) }), 413, 'NUBO_ERR_INVOKE_PAYLOAD_TOO_LARGE');
    const notJson = await nubo.call('POST', '/v1/functions/good/invoke', {
      key,
      raw: { data: '{"open": ', contentType: 'application/json' },
    });
    expectError(notJson, 400, 'NUBO_ERR_INVOKE_INVALID_JSON');
    const wrongType = await nubo.call('POST', '/v1/functions/good/invoke', {
      key,
      raw: { data: 'a=1', contentType: 'application/x-www-form-urlencoded' },
    });
    expectError(wrongType, 400, 'NUBO_ERR_REQUEST_INVALID', /application\/json/);
  });

  it('answers unknown functions, keys and routes with 401/404', async () => {
    expectError(await nubo.invoke(key, 'missing'), 404, 'NUBO_ERR_FUNCTION_NOT_FOUND', /nubo deploy/);
    expectError(await nubo.call('POST', '/v1/functions/good/invoke', { body: {} }), 401, 'NUBO_ERR_AUTH_MISSING_KEY');
    expectError(await nubo.invoke('nubo_not-a-real-key', 'good'), 401, 'NUBO_ERR_AUTH_INVALID_KEY');
    expectError(
      await nubo.call('GET', '/v1/functions', { headers: { authorization: 'Basic abc' } }),
      401,
      'NUBO_ERR_AUTH_INVALID_KEY',
    );
    expectError(await nubo.call('GET', '/v1/nothing'), 404, 'NUBO_ERR_REQUEST_NOT_FOUND');
    expectError(await nubo.call('GET', '/v1/invocations/nope', { key }), 404, 'NUBO_ERR_INVOCATION_NOT_FOUND');
    expectError(await nubo.call('DELETE', '/v1/keys/nope', { key }), 404, 'NUBO_ERR_KEY_NOT_FOUND');
    expectError(await nubo.call('GET', '/v1/functions/good/logs?limit=0', { key }), 400, 'NUBO_ERR_REQUEST_INVALID', /limit/);
  });

  it('rejects bad sign-ups', async () => {
    expectError(
      await nubo.call('POST', '/v1/auth/signup', { body: { username: 'Bad Name', password: 'password123' } }),
      400,
      'NUBO_ERR_REQUEST_INVALID',
      /username/,
    );
    expectError(
      await nubo.call('POST', '/v1/auth/signup', { body: { username: 'shorty', password: 'short' } }),
      400,
      'NUBO_ERR_REQUEST_INVALID',
      /password/,
    );
    expectError(
      await nubo.call('POST', '/v1/auth/signup', { body: { username: 'alice', password: 'password123' } }),
      409,
      'NUBO_ERR_AUTH_USERNAME_TAKEN',
    );
  });

  it('is still healthy after all of it', async () => {
    assert.deepEqual((await nubo.invoke(key, 'good')).body, { tag: 'ok' });
  });
});

describe('bad input at the limits gets a clear 4xx, never a 500', () => {
  let nubo: TestNubo;
  let key: string;

  after(() => nubo.close());
  before(async () => {
    nubo = await startNubo();
    key = await nubo.signup('limits');
    await nubo.deploy(key, 'good', ok);
  });

  const deployZip = (name: string, entries: Record<string, Uint8Array>) =>
    nubo.call('PUT', `/v1/functions/${name}`, {
      key,
      body: {
        runtime: 'node20',
        handler: 'index.handler',
        code: { zip: zipBase64({ 'index.mjs': strToU8(versionHandler('z')), ...entries }) },
      },
    });

  const deployZipRaw = (name: string, zip: string) =>
    nubo.call('PUT', `/v1/functions/${name}`, { key, body: { runtime: 'node20', handler: 'index.handler', code: { zip } } });

  const expectCode = (res: { status: number; body: any; text: string }, status: number, code: string) => {
    assert.equal(res.status, status, res.text.slice(0, 300));
    assert.equal(res.body.error.code, code, res.text.slice(0, 300));
  };

  it('refuses an event nested 100,000 levels deep with 400, and keeps serving', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await nubo.call('POST', '/v1/functions/good/invoke', {
      key,
      raw: { data: deep, contentType: 'application/json' },
    });
    expectCode(res, 400, 'NUBO_ERR_INVOKE_INVALID_JSON');
    assert.equal((await nubo.invoke(key, 'good', { fine: true })).status, 200);
  });

  it('refuses an environment over 32 KiB in all with 400, deploying nothing', async () => {
    const res = await nubo.call('PUT', '/v1/functions/envy', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: ok }, env: { BIG: 'x'.repeat(300_000) } },
    });
    expectCode(res, 400, 'NUBO_ERR_DEPLOY_INVALID_ENV');
    assert.equal((await nubo.call('GET', '/v1/functions/envy', { key })).status, 404);
  });

  it('refuses zip entries that name no file, clash, are too long or too many', async () => {
    const one = strToU8('x');
    expectCode(await deployZip('z1', { 'a/..': one }), 400, 'NUBO_ERR_DEPLOY_INVALID_PATH');
    expectCode(await deployZip('z2', { '': one }), 400, 'NUBO_ERR_DEPLOY_INVALID_PATH');
    expectCode(await deployZip('z3', { lib: one, 'lib/x.js': one }), 400, 'NUBO_ERR_DEPLOY_INVALID_PATH');
    expectCode(await deployZip('z4', { [`${'n'.repeat(300)}.js`]: one }), 400, 'NUBO_ERR_DEPLOY_INVALID_PATH');
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10_001; i++) many[`f/${i}.txt`] = one;
    expectCode(await deployZip('z5', many), 400, 'NUBO_ERR_DEPLOY_TOO_MANY_FILES');
    for (const name of ['z1', 'z2', 'z3', 'z4', 'z5'])
      assert.equal((await nubo.call('GET', `/v1/functions/${name}`, { key })).status, 404);
  });

  it('unpacks code off the event loop: /healthz answers while a 240 MiB bomb is being inflated', async () => {
    const bomb = lyingZip(
      { 'index.mjs': strToU8(versionHandler('b')), 'bomb.bin': new Uint8Array(240 * 1024 * 1024) },
      'bomb.bin',
      10,
    );
    let deployDone = false;
    const deploying = deployZipRaw('bomb', bomb).then((res) => {
      deployDone = true;
      return res;
    });
    // Started after the deploy's request went out; a server busy inflating on its event loop could not answer before it.
    const health = await nubo.call('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal(deployDone, false, '/healthz answered while the deploy was still unpacking');
    expectCode(await deploying, 400, 'NUBO_ERR_DEPLOY_INVALID_ZIP');
  });

  it('answers over-long path parts with 414 in the error shape', async () => {
    for (const res of [
      await nubo.call('GET', `/v1/functions/${'a'.repeat(500)}`, { key }),
      await nubo.trigger('GET', `/fn/limits/${'b'.repeat(500)}/x`, { key }),
    ]) {
      expectCode(res, 414, 'NUBO_ERR_REQUEST_URI_TOO_LONG');
      assert.equal(typeof res.body.error.message, 'string');
    }
  });
});
