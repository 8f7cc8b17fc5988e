import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeySealer } from '@nubo/gateway';

describe('sealed API keys', () => {
  const key = 'nubo_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
  const sealer = new KeySealer('a sealing secret of at least thirty-two characters');

  it('unseals what it sealed, never the same text twice', () => {
    const sealed = sealer.seal(key);
    assert.equal(sealer.unseal(sealed), key);
    assert.notEqual(sealer.seal(key), sealed, 'a fresh IV each time');
    assert.ok(!sealed.includes(key));
  });

  it('refuses text sealed with another secret, changed, or not sealed at all', () => {
    const sealed = sealer.seal(key);
    assert.equal(new KeySealer('another secret of at least thirty-two characters').unseal(sealed), null);
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    assert.equal(sealer.unseal(`v1.${bytes.toString('base64url')}`), null);
    for (const junk of ['', 'v1.', 'v2.abc', 'v1.AAAA', key]) assert.equal(sealer.unseal(junk), null, junk);
  });
});
