import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundleFromFiles, bundleFromZip, decodeBase64, extractBundle, isNuboError } from '@nubo/core';
import { tempDir } from '../helpers/temp-dir.js';

const limits = { maxBytes: 1e6, maxUnzippedBytes: 1e6 };

describe('code bundles', () => {
  it('gives the same digest-stable bytes for the same files and extracts them read-only', async () => {
    const a = bundleFromFiles({ 'index.js': 'x', 'lib/u.js': 'y' }, limits);
    const b = bundleFromFiles({ 'index.js': 'x', 'lib/u.js': 'y' }, limits);
    assert.deepEqual(a.zip, b.zip);
    assert.deepEqual(a.files.sort(), ['index.js', 'lib/u.js']);
    const again = await bundleFromZip(a.zip, limits);
    assert.deepEqual(again.files.sort(), ['index.js', 'lib/u.js']);
    const dir = await tempDir();
    await extractBundle(a.zip, dir, limits);
    assert.equal(await readFile(join(dir, 'lib/u.js'), 'utf8'), 'y');
    assert.equal((await stat(join(dir, 'index.js'))).mode & 0o777, 0o444);
  });

  it('normalises harmless paths and refuses escaping ones', () => {
    assert.deepEqual(bundleFromFiles({ './a/./b.js': '1' }, limits).files, ['a/b.js']);
    for (const bad of ['../x', '/abs', 'a/../../x', 'C:/win', 'a\\..\\..\\x']) {
      assert.throws(
        () => bundleFromFiles({ [bad]: '1' }, limits),
        (err) => isNuboError(err, 'NUBO_ERR_DEPLOY_PATH_ESCAPE'),
        bad,
      );
    }
  });

  it('decodes strict base64 only', () => {
    assert.deepEqual([...decodeBase64('AQID')], [1, 2, 3]);
    assert.deepEqual([...decodeBase64('AQI=\n')], [1, 2]);
    for (const bad of ['', '!!!!', 'A', 'AQID===='])
      assert.throws(
        () => decodeBase64(bad),
        (err) => isNuboError(err, 'NUBO_ERR_DEPLOY_INVALID_BASE64'),
        bad,
      );
  });

  it("leaves the caller's archive intact after unpacking it off the event loop (a large Buffer too)", async () => {
    const files = { 'index.mjs': `export const handler = () => 1; // ${randomBytes(32 * 1024).toString('base64')}` };
    const built = bundleFromFiles(files, limits);
    // A Buffer as the API decodes it: large enough to own its memory, which a transfer would detach.
    const zip = Buffer.from(built.zip);
    const bundle = await bundleFromZip(zip, limits);
    assert.deepEqual(bundle.files, ['index.mjs']);
    assert.equal(zip.byteLength, built.zip.byteLength, 'the caller can still store what it sent');
    assert.deepEqual(new Uint8Array(zip), built.zip);
  });
});
