import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callerRequestId, newRequestId } from '@nubo/core';

/** The milliseconds a version-7 UUID begins with. */
const mintedAt = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('minted request ids', () => {
  it('are version-7 UUIDs that begin with the time they were minted at', () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    const after = Date.now();
    for (const id of ids) {
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(mintedAt(id) >= before && mintedAt(id) <= after, `${id} was minted between ${before} and ${after}`);
      assert.equal(callerRequestId(id.toUpperCase()), id, 'a caller may send a minted id back');
    }
    assert.equal(new Set(ids).size, ids.length, 'ids minted in the same millisecond still differ');
  });

  it('sort in the order of the milliseconds they were minted in', async () => {
    const first = newRequestId();
    const start = Date.now();
    while (Date.now() === start) await new Promise((resolve) => setImmediate(resolve));
    const later = newRequestId();
    assert.ok(first < later, `${first} sorts before ${later}`);
  });
});
