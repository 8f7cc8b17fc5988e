import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CodeStore } from '@nubo/core';

/** Every CodeStore adapter must pass this suite unchanged. `create` gives an empty store. */
export function codeStoreConformance(adapter: string, create: () => Promise<CodeStore>): void {
  describe(`CodeStore conformance: ${adapter}`, () => {
    it('stores bundles under the sha256 of their bytes and gives them back', async () => {
      const store = await create();
      const bytes = Uint8Array.from([80, 75, 3, 4, 1, 2, 3, 255]);
      const digest = await store.put(bytes);
      assert.equal(digest, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(await store.has(digest), true);
      assert.deepEqual(new Uint8Array(await store.get(digest)), bytes);
      assert.equal(await store.put(bytes), digest, 'putting the same bytes again is a no-op');
    });

    it('deletes bundles and reports a missing one clearly', async () => {
      const store = await create();
      const digest = await store.put(Uint8Array.from([1, 2, 3]));
      await store.delete(digest);
      assert.equal(await store.has(digest), false);
      await assert.rejects(store.get(digest), /missing/);
      await store.delete(digest);
    });
  });
}
