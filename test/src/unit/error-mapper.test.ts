import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { NuboError } from '@nubo/core';
import { bearerCredential, installErrorHandlers } from '@nubo/http';

async function app() {
  const server = Fastify({ bodyLimit: 64 });
  installErrorHandlers(server, { notFoundHint: 'try elsewhere' });
  server.post('/invoke', { config: { errorArea: 'invoke' } }, async () => ({ ok: true }));
  server.put('/deploy', { config: { errorArea: 'deploy' } }, async () => ({ ok: true }));
  server.post('/plain', async () => ({ ok: true }));
  server.get('/nubo', async () => {
    throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', 'no such function', { hint: 'deploy it' });
  });
  server.get('/bug', async () => {
    throw new Error('secret internals');
  });
  return server;
}

const json = { 'content-type': 'application/json' };

describe('the shared error mapper', () => {
  it('picks the code of a body error from the route area', async () => {
    const server = await app();
    const cases = [
      { url: '/invoke', method: 'POST', payload: '{nope', code: 'NUBO_ERR_INVOKE_INVALID_JSON', status: 400 },
      { url: '/plain', method: 'POST', payload: '{nope', code: 'NUBO_ERR_REQUEST_INVALID', status: 400 },
      {
        url: '/invoke',
        method: 'POST',
        payload: JSON.stringify({ big: 'x'.repeat(100) }),
        code: 'NUBO_ERR_INVOKE_PAYLOAD_TOO_LARGE',
        status: 413,
      },
      {
        url: '/deploy',
        method: 'PUT',
        payload: JSON.stringify({ big: 'x'.repeat(100) }),
        code: 'NUBO_ERR_DEPLOY_CODE_TOO_LARGE',
        status: 413,
      },
      {
        url: '/plain',
        method: 'POST',
        payload: JSON.stringify({ big: 'x'.repeat(100) }),
        code: 'NUBO_ERR_REQUEST_TOO_LARGE',
        status: 413,
      },
    ] as const;
    for (const c of cases) {
      const answer = await server.inject({ url: c.url, method: c.method, payload: c.payload, headers: json });
      assert.equal(answer.statusCode, c.status, `${c.method} ${c.url}`);
      assert.equal(answer.json().error.code, c.code, `${c.method} ${c.url}`);
    }
    await server.close();
  });

  it('answers NuboErrors with their details, hides internal errors behind a request id, and names unknown routes', async () => {
    const server = await app();
    const nubo = await server.inject({ url: '/nubo' });
    assert.equal(nubo.statusCode, 404);
    assert.deepEqual(nubo.json(), {
      error: { code: 'NUBO_ERR_FUNCTION_NOT_FOUND', message: 'no such function', hint: 'deploy it' },
    });
    const bug = await server.inject({ url: '/bug' });
    assert.equal(bug.statusCode, 500);
    assert.equal(bug.json().error.code, 'NUBO_ERR_SERVER_INTERNAL');
    assert.doesNotMatch(bug.body, /secret internals/);
    assert.ok(bug.json().error.requestId);
    const missing = await server.inject({ url: '/elsewhere' });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().error.message, /No route GET \/elsewhere: try elsewhere/);
    await server.close();
  });
});

describe('the Bearer parser', () => {
  it('takes the credential of a Bearer header only', () => {
    assert.equal(bearerCredential('Bearer abc'), 'abc');
    assert.equal(bearerCredential('bearer   abc'), 'abc');
    assert.equal(bearerCredential('Basic abc'), null);
    assert.equal(bearerCredential('Bearer a b'), null);
    assert.equal(bearerCredential(undefined), null);
  });
});
