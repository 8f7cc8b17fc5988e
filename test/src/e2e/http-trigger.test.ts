import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpEchoHandler } from '../helpers/handlers.js';
import { startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

describe('HTTP trigger ANY /fn/:owner/:name/*', () => {
  let nubo: TestNubo;
  let alice: string;
  let bob: string;

  after(() => nubo.close());
  before(async () => {
    nubo = await startNubo();
    alice = await nubo.signup('alice');
    bob = await nubo.signup('bob');
    await nubo.deploy(alice, 'open', { 'index.mjs': httpEchoHandler }, { public: true });
    await nubo.deploy(alice, 'closed', { 'index.mjs': httpEchoHandler });
  });

  it('turns method, path, query, headers and text body into a Lambda HTTP event', async () => {
    const res = await nubo.trigger('POST', '/fn/alice/open/items/42?colour=red&size=l&size=xl', {
      raw: { data: 'plain text body', contentType: 'text/plain' },
      headers: { 'x-custom': 'abc' },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-echo'), 'yes');
    assert.ok(res.headers.get('x-nubo-request-id'));
    assert.equal(res.body.method, 'POST');
    assert.equal(res.body.httpMethod, 'POST');
    assert.equal(res.body.rawPath, '/items/42');
    assert.equal(res.body.rawQueryString, 'colour=red&size=l&size=xl');
    assert.deepEqual(res.body.query, { colour: 'red', size: 'l,xl' });
    assert.equal(res.body.headers['x-custom'], 'abc');
    assert.equal(res.body.body, 'plain text body');
    assert.equal(res.body.isBase64Encoded, false);
  });

  it('keeps rawPath percent-encoded as sent, as function URLs do', async () => {
    const res = await nubo.trigger('GET', '/fn/alice/open/files/reports%2F2024.csv?x=%2F');
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.rawPath, '/files/reports%2F2024.csv');
    assert.equal(res.body.rawQueryString, 'x=%2F');
  });

  it('sends every cookie as its own Set-Cookie header (payload 2.0 cookies, 1.0 multiValueHeaders)', async () => {
    await nubo.deploy(
      alice,
      'cookies',
      {
        'index.mjs': `export const handler = async (event) => event.rawPath === '/v1'
          ? { statusCode: 200, multiValueHeaders: { 'Set-Cookie': ['a=1; Path=/', 'b=2; HttpOnly'], 'x-many': ['p', 'q'] }, body: 'v1' }
          : { statusCode: 200, cookies: ['c=3; Path=/', 'd=4; Expires=Wed, 21 Oct 2026 07:28:00 GMT'], headers: { 'set-cookie': 'e=5' }, body: 'v2' };`,
      },
      { public: true },
    );
    const v1 = await fetch(`${nubo.triggerUrl}/fn/alice/cookies/v1`);
    assert.deepEqual(v1.headers.getSetCookie(), ['a=1; Path=/', 'b=2; HttpOnly']);
    assert.equal(v1.headers.get('x-many'), 'p, q');
    const v2 = await fetch(`${nubo.triggerUrl}/fn/alice/cookies/v2`);
    assert.deepEqual(v2.headers.getSetCookie(), ['e=5', 'c=3; Path=/', 'd=4; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
  });

  it('gives one call one request id: the header, the record, the event and the context agree', async () => {
    await nubo.deploy(
      alice,
      'ids',
      {
        'index.mjs':
          'export const handler = async (event, context) => ({ event: event.requestContext.requestId, context: context.awsRequestId });',
      },
      { public: true },
    );
    const res = await nubo.trigger('GET', '/fn/alice/ids/');
    assert.equal(res.status, 200, res.text);
    const id = res.headers.get('x-nubo-request-id');
    assert.ok(id);
    assert.deepEqual(res.body, { event: id, context: id });
    // The call had no key, so another gateway may have served it: its record arrives with that gateway's log flush.
    const record = await eventually('the record is stored', async () => {
      const found = await nubo.call('GET', `/v1/invocations/${id}`, { key: alice });
      return found.status === 200 && found;
    });
    assert.equal(record.body.requestId, id);
  });

  it('passes a binary body base64-encoded and sends a base64 answer back as bytes', async () => {
    const bytes = Uint8Array.from([0, 255, 1, 254, 2, 253, 128]);
    const res = await fetch(`${nubo.triggerUrl}/fn/alice/open/binary`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), Uint8Array.from([...bytes].reverse()));
  });

  it('serves the function root and GET without a body', async () => {
    const res = await nubo.trigger('GET', '/fn/alice/open');
    assert.equal(res.status, 201);
    assert.equal(res.body.rawPath, '/');
    assert.equal(res.body.body, null);
  });

  it("needs the owner's key for a private function", async () => {
    assert.equal((await nubo.trigger('GET', '/fn/alice/closed/')).status, 401);
    const asBob = await nubo.trigger('GET', '/fn/alice/closed/', { key: bob });
    assert.equal(asBob.status, 403);
    assert.equal(asBob.body.error.code, 'NUBO_ERR_AUTH_FORBIDDEN');
    assert.equal((await nubo.trigger('GET', '/fn/alice/closed/', { key: alice })).status, 201);
    assert.equal((await nubo.trigger('GET', '/fn/alice/closed/', { key: 'nubo_wrong' })).status, 401);
  });

  it('answers 404 for an unknown owner or function', async () => {
    const res = await nubo.trigger('GET', '/fn/alice/nothing/');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'NUBO_ERR_FUNCTION_NOT_FOUND');
    assert.equal((await nubo.trigger('GET', '/fn/nobody/open/')).status, 404);
  });

  it('answers 502 when the handler returns an invalid status code', async () => {
    await nubo.deploy(
      alice,
      'weird',
      { 'index.mjs': 'export const handler = async () => ({ statusCode: 9000 });' },
      { public: true },
    );
    const res = await nubo.trigger('GET', '/fn/alice/weird/');
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_BAD_RESPONSE');
  });
});

describe('isolation between users', () => {
  it('lets no user see, invoke or delete the function of another', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const alice = await nubo.signup('alice');
    const bob = await nubo.signup('bob');
    await nubo.deploy(alice, 'secret', { 'index.mjs': 'export const handler = async () => "alice only";' });
    const invoked = await nubo.invoke(alice, 'secret');
    assert.equal(invoked.body, 'alice only');
    const requestId = invoked.headers.get('x-nubo-request-id');

    assert.equal((await nubo.call('GET', '/v1/functions/secret', { key: bob })).status, 404);
    assert.deepEqual((await nubo.call('GET', '/v1/functions', { key: bob })).body, []);
    assert.equal((await nubo.invoke(bob, 'secret')).status, 404);
    assert.equal((await nubo.call('DELETE', '/v1/functions/secret', { key: bob })).status, 404);
    assert.equal((await nubo.call('GET', '/v1/functions/secret/logs', { key: bob })).status, 404);
    assert.equal((await nubo.call('GET', `/v1/invocations/${requestId}`, { key: bob })).status, 404);
    assert.equal((await nubo.invoke(alice, 'secret')).status, 200, "alice's function is untouched");

    // bob's own function of the same name is a different function
    await nubo.deploy(bob, 'secret', { 'index.mjs': 'export const handler = async () => "bob";' });
    assert.equal((await nubo.invoke(bob, 'secret')).body, 'bob');
    assert.equal((await nubo.invoke(alice, 'secret')).body, 'alice only');
  });

  it('manages API keys: the first user is admin, keys can be listed and revoked', async () => {
    const nubo = await startNubo({ NUBO_ALLOW_SIGNUP: 'false' });
    after(() => nubo.close());
    const admin = await nubo.signup('root');
    const me = await nubo.call('GET', '/v1/auth/me', { key: admin });
    assert.equal(me.body.isAdmin, true);
    const refused = await nubo.call('POST', '/v1/auth/signup', { body: { username: 'late', password: 'password123' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'NUBO_ERR_AUTH_SIGNUP_DISABLED');

    const created = await nubo.call('POST', '/v1/keys', { key: admin, body: { name: 'ci' } });
    assert.equal(created.status, 201);
    const second = created.body.apiKey as string;
    assert.equal((await nubo.call('GET', '/v1/auth/me', { key: second })).status, 200);
    const keys = await nubo.call('GET', '/v1/keys', { key: admin });
    assert.deepEqual(keys.body.map((k: any) => k.name).sort(), ['ci', 'signup']);
    assert.ok(keys.body.every((k: any) => !('keyHash' in k) && k.prefix.startsWith('nubo_')));
    assert.equal((await nubo.call('DELETE', `/v1/keys/${created.body.keyId}`, { key: admin })).status, 204);
    assert.equal((await nubo.call('GET', '/v1/auth/me', { key: second })).status, 401);

    const login = await nubo.call('POST', '/v1/auth/login', { body: { username: 'root', password: 'correct horse battery' } });
    assert.equal(login.status, 200);
    assert.equal((await nubo.call('GET', '/v1/auth/me', { key: login.body.apiKey })).body.username, 'root');
    const wrong = await nubo.call('POST', '/v1/auth/login', { body: { username: 'root', password: 'not the password' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'NUBO_ERR_AUTH_BAD_CREDENTIALS');
  });
});
