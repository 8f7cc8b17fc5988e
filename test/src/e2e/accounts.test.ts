import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startNubo } from '../helpers/nubo.js';

const password = 'correct horse battery';

describe('sign-in is rate limited', () => {
  it('stops guessing one username after NUBO_AUTH_RATE_PER_USERNAME attempts, and leaves other users alone', async () => {
    const nubo = await startNubo({ NUBO_AUTH_RATE_PER_USERNAME: '3', NUBO_AUTH_RATE_PER_CLIENT: '1000' });
    after(() => nubo.close());
    await nubo.signup('alice'); // 1 attempt for alice
    await nubo.signup('bob');
    const login = (username: string, pw: string) => nubo.call('POST', '/v1/auth/login', { body: { username, password: pw } });
    assert.equal((await login('alice', 'wrong guess 1')).status, 401);
    assert.equal((await login('alice', 'wrong guess 2')).status, 401);
    const blocked = await login('alice', password);
    assert.equal(blocked.status, 429, 'even the right password is refused once the username is over its limit');
    assert.equal(blocked.body.error.code, 'NUBO_ERR_AUTH_RATE_LIMITED');
    assert.match(blocked.body.error.message, /retry in/);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0, 'retry-after says when');
    assert.equal((await login('ALICE', password)).status, 429, 'the username is counted case-insensitively');
    assert.equal((await login('bob', password)).status, 200, 'another username is not affected');
  });

  it('stops one client after NUBO_AUTH_RATE_PER_CLIENT attempts, whatever the usernames', async () => {
    const nubo = await startNubo({ NUBO_AUTH_RATE_PER_CLIENT: '4', NUBO_AUTH_RATE_PER_USERNAME: '1000' });
    after(() => nubo.close());
    const signup = (username: string) => nubo.call('POST', '/v1/auth/signup', { body: { username, password } });
    for (const name of ['u-one', 'u-two', 'u-three', 'u-four']) assert.equal((await signup(name)).status, 201, name);
    const fifth = await signup('u-five');
    assert.equal(fifth.status, 429);
    assert.equal(fifth.body.error.code, 'NUBO_ERR_AUTH_RATE_LIMITED');
    assert.ok(Number(fifth.headers.get('retry-after')) > 0);
  });
});
