import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundleFromFiles } from '@nubo/core';
import { CodeCache } from '@nubo/manager';
import { FsCodeStore } from '@nubo/stores';
import { tempDir } from '../helpers/temp-dir.js';

const limits = { maxBytes: 1e6, maxUnzippedBytes: 1e7 };

async function setUp() {
  const root = await tempDir('nubo-code-cache-');
  const store = new FsCodeStore(join(root, 'store'));
  const digest = await store.put(bundleFromFiles({ 'index.mjs': 'export const v = "original";' }, limits).zip);
  const cache = () => new CodeCache({ dir: join(root, 'cache'), store, limits });
  return { digest, cache };
}

async function tamper(dir: string): Promise<void> {
  await chmod(join(dir, 'index.mjs'), 0o644);
  await writeFile(join(dir, 'index.mjs'), 'export const v = "tampered";');
}

describe('the code cache runs exactly the deployed bytes', () => {
  it('unpacks a fresh copy when the extracted code was changed, added to or replaced', async () => {
    const { digest, cache } = await setUp();
    const codeCache = cache();
    const first = await codeCache.dirFor(digest);
    assert.equal(await codeCache.dirFor(digest), first, 'an untouched copy is reused');
    await tamper(first);
    const second = await codeCache.dirFor(digest);
    assert.notEqual(second, first);
    assert.match(await readFile(join(second, 'index.mjs'), 'utf8'), /original/);
    await writeFile(join(second, 'extra.mjs'), 'export {}').catch(async () => {
      await chmod(second, 0o755);
      await writeFile(join(second, 'extra.mjs'), 'export {}');
    });
    const third = await codeCache.dirFor(digest);
    assert.notEqual(third, second, 'an added file is noticed too');
    assert.match(await readFile(join(third, 'index.mjs'), 'utf8'), /original/);
  });

  it('does not trust a copy left by an earlier run of the process', async () => {
    const { digest, cache } = await setUp();
    const before = await cache().dirFor(digest);
    await tamper(before);
    const after = await cache().dirFor(digest); // a restart: a new cache on the same directory
    assert.match(await readFile(join(after, 'index.mjs'), 'utf8'), /original/);
  });
});
