import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '@nubo/gateway';

describe('password hashes', () => {
  it('are scrypt at N = 2^14, r = 8, p = 5 (OWASP) with the parameters in the stored string', async () => {
    const stored = await hashPassword('a long password');
    assert.match(stored, /^scrypt\$ln=14,r=8,p=5\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    assert.equal(await verifyPassword('a long password', stored), true);
    assert.equal(await verifyPassword('a long passwore', stored), false);
    assert.notEqual(await hashPassword('a long password'), stored, 'a new salt each time');
  });

  it('verify with the parameters the string carries, so they can be raised later; old hashes keep working', async () => {
    const salt = randomBytes(16);
    const cheaper = `scrypt$ln=10,r=8,p=1$${salt.toString('base64')}$${scryptSync('pw', salt, 32, { N: 2 ** 10, r: 8, p: 1 }).toString('base64')}`;
    assert.equal(await verifyPassword('pw', cheaper), true);
    const legacy = `scrypt$${salt.toString('base64')}$${scryptSync('pw', salt, 32).toString('base64')}`;
    assert.equal(await verifyPassword('pw', legacy), true, 'hashes stored before the parameters were');
    assert.equal(
      await verifyPassword('pw', `scrypt$ln=30,r=8,p=1$${salt.toString('base64')}$AAAA`),
      false,
      'absurd parameters are refused, not run',
    );
    assert.equal(await verifyPassword('pw', 'bcrypt$whatever'), false);
  });
});
