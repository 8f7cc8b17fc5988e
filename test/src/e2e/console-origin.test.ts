import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../helpers/http.js';
import { stackKind, startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

const password = 'correct horse battery';

/**
 * A hostile tenant's public function: it reports every cookie it is handed, and answers with
 * cookies that would plant, shadow or clear the console's session if a browser took them.
 */
const lure = `export const handler = async (event) => {
  console.log('seen ' + JSON.stringify({ cookie: event.headers.cookie ?? null, cookies: event.cookies ?? [] }));
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/plain', 'set-cookie': 'nubo_session=planted-by-header; Path=/' },
    cookies: [
      'nubo_session=planted; Path=/',
      '__Host-nubo_session=planted; Secure; Path=/',
      ' NUBO_SESSION=planted; Path=/v1',
      'nubo_session=; Max-Age=0; Path=/',
      'theme=dark; Path=/fn/mallory',
    ],
    multiValueHeaders: { 'Set-Cookie': ['nubo_session=planted-by-list; Path=/'] },
    body: 'hello',
  };
};`;

describe(`no tenant content on the console's origin, and no session for functions (${stackKind})`, () => {
  let nubo: TestNubo;
  let alice: string;
  let mallory: string;

  const signIn = async (url: string) => {
    const res = await call(url, 'POST', '/v1/auth/session', { body: { username: 'alice', password } });
    assert.equal(res.status, 200, res.text);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  };
  const luresSeen = async () => {
    const logs = await nubo.call('GET', '/v1/functions/lure/logs?limit=100', { key: mallory });
    return (logs.body as { logs: string }[]).map((record) => record.logs).join('\n');
  };

  before(async () => {
    nubo = await startNubo();
    alice = await nubo.signup('alice');
    mallory = await nubo.signup('mallory');
    await nubo.deploy(mallory, 'lure', { 'index.mjs': lure }, { public: true });
  });
  after(() => nubo.close());

  it('serves no HTTP trigger on the console and API origin: /fn there runs nothing and names the triggers’ address', async () => {
    for (const path of ['/fn/mallory/lure/', '/fn/mallory/lure/page.html', '/fn/mallory/lure']) {
      const res = await nubo.call('GET', path);
      assert.equal(res.status, 404, res.text);
      assert.equal(res.body.error.code, 'NUBO_ERR_REQUEST_NOT_FOUND');
      assert.ok(res.body.error.message.includes(`${new URL(nubo.triggerUrls[0]!).hostname}`), res.body.error.message);
      assert.notEqual(new URL(nubo.triggerUrl).origin, new URL(nubo.url).origin);
    }
    const stats = await nubo.call('GET', '/v1/functions/lure/stats', { key: mallory });
    assert.equal(stats.body.count, 0, 'the function never ran');
    const triggered = await nubo.trigger('GET', '/fn/mallory/lure/');
    assert.equal(triggered.status, 200, triggered.text);
    assert.equal(triggered.text, 'hello');
  });

  it('never hands the console session to a function, and a function can neither set nor clear it', async () => {
    const cookie = await signIn(nubo.url);
    const token = cookie.split('=')[1]!;
    // A browser sends a host's cookies to every port of it: the trigger must drop the session's itself.
    const res = await nubo.trigger('GET', '/fn/mallory/lure/', {
      headers: { cookie: `theme=light; ${cookie}; __Host-nubo_session=${token}` },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.headers.getSetCookie(), ['theme=dark; Path=/fn/mallory'], 'only the function’s own cookie');
    const seen = await eventually('the lure’s record is stored', async () => {
      const logs = await luresSeen();
      return logs.includes('theme=light') && logs;
    });
    assert.ok(!seen.includes(token), 'the session token never reached the function');
    assert.match(seen, /"cookie":"theme=light","cookies":\["theme=light"\]/);
    const me = await call(nubo.url, 'GET', '/v1/auth/me', { headers: { cookie } });
    assert.equal(me.status, 200, 'the session still works');
    assert.equal(me.body.username, 'alice');
  });

  it('opens no session, and honours none, under the host name triggers are served under', async () => {
    const triggerHost = new URL(nubo.triggerUrl).hostname;
    const consoleOnTriggerHost = Object.assign(new URL(nubo.url), { hostname: triggerHost }).origin;
    assert.notEqual(consoleOnTriggerHost, new URL(nubo.url).origin, 'the console answers under a second name');
    const refused = await call(consoleOnTriggerHost, 'POST', '/v1/auth/session', { body: { username: 'alice', password } });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, 'NUBO_ERR_AUTH_CROSS_SITE');
    assert.equal(refused.headers.get('set-cookie'), null, 'no cookie was set');
    const cookie = await signIn(nubo.url);
    const ignored = await call(consoleOnTriggerHost, 'GET', '/v1/auth/me', { headers: { cookie } });
    assert.equal(ignored.status, 401, 'a session cookie counts for nothing there');
    const keys = await call(nubo.url, 'GET', '/v1/keys', { key: alice });
    assert.ok(!keys.body.some((key: { name: string }) => key.name === 'console'), 'no sign-in made an API key');
  });
});
