import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callerCorrelationId, newRequestId } from '@nubo/core';

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

describe("callers' correlation ids", () => {
  it('are 1–128 visible ASCII characters, kept as sent; anything else is none', () => {
    for (const id of ['a', 'order-42', 'X'.repeat(128), '2f0c8d2e-8D4B-4F39-9B7E-1C3A5D7F9E11', 'trace:abc/def?x=1'])
      assert.equal(callerCorrelationId(id), id);
    for (const bad of ['', 'X'.repeat(129), 'has space', 'tab\tin', 'née', 'line\nbreak', undefined, ['a', 'b']])
      assert.equal(callerCorrelationId(bad), null, JSON.stringify(bad));
  });
});
