import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../helpers/http.js';
import { startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

const password = 'correct horse battery';
const printer = `export const handler = async (event) => {
  console.log('printed ' + event.n);
  if (event.fail) throw new Error('asked to fail');
  return { n: event.n };
};`;

/** The session cookie of a console sign-in, as a browser would send it back. */
async function signIn(url: string, username: string): Promise<string> {
  const res = await call(url, 'POST', '/v1/auth/session', { body: { username, password } });
  assert.equal(res.status, 200, res.text);
  const setCookie = res.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^nubo_session=[^;]+/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.doesNotMatch(setCookie, /Secure/, 'no Secure flag over plain HTTP, or the browser would drop the cookie');
  return setCookie.split(';')[0]!;
}

/** Reads Server-Sent Events from a stream until `found` returns a value. */
async function readEvents<T>(
  body: ReadableStream<Uint8Array>,
  found: (event: string, data: string) => T | undefined,
): Promise<T> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    buffered += value;
    let end = buffered.indexOf('\n\n');
    while (end >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) {
        const result = found(event, data);
        if (result !== undefined) {
          await reader.cancel();
          return result;
        }
      }
      end = buffered.indexOf('\n\n');
    }
  }
}

describe('the API behind the web console', () => {
  let nubo: TestNubo;
  let alice: string;
  let bob: string;

  before(async () => {
    nubo = await startNubo();
    alice = await nubo.signup('alice');
    bob = await nubo.signup('bob');
    await nubo.deploy(alice, 'printer', { 'index.mjs': printer });
  });
  after(() => nubo.close());

  it('serves the console page with a strict content security policy', async () => {
    const page = await call(nubo.url, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    assert.ok(script, 'the page loads its script from the gateway itself');
    assert.equal(page.headers.get('cache-control'), 'no-cache', 'the page is fetched fresh, so a new build shows');
    const asset = await call(nubo.url, 'GET', script);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/, 'built assets carry their hash in the name');
    assert.equal(
      (await call(nubo.url, 'GET', '/v1/nothing')).body.error.code,
      'NUBO_ERR_REQUEST_NOT_FOUND',
      'the API keeps its 404',
    );
  });

  it('answers per-bucket metrics computed from the records, every bucket of the window', async () => {
    const from = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    for (let n = 0; n < 6; n++) {
      const res = await nubo.call('POST', '/v1/functions/printer/invoke', { key: alice, body: { n, fail: n === 5 } });
      assert.equal(res.status, n === 5 ? 502 : 200, res.text);
    }
    const to = from + 10 * 60_000;
    const metrics = await eventually('all six records are stored', async () => {
      const res = await nubo.call('GET', `/v1/functions/printer/metrics?from=${from}&to=${to}&step=60000`, { key: alice });
      assert.equal(res.status, 200, res.text);
      return res.body.buckets.reduce((sum: number, b: { count: number }) => sum + b.count, 0) === 6 && res.body;
    });
    assert.equal(metrics.buckets.length, 10);
    assert.deepEqual(
      metrics.buckets.map((b: { start: number }) => b.start),
      Array.from({ length: 10 }, (_, i) => from + i * 60_000),
    );
    const byStatus = metrics.buckets.reduce((sum: Record<string, number>, b: { byStatus: Record<string, number> }) => {
      for (const [status, n] of Object.entries(b.byStatus)) sum[status] = (sum[status] ?? 0) + n;
      return sum;
    }, {});
    assert.deepEqual(byStatus, { ok: 5, error: 1 });
    assert.equal(
      metrics.buckets.reduce((sum: number, b: { coldCount: number }) => sum + b.coldCount, 0),
      1,
      'one cold start',
    );
    const { limits } = (await nubo.call('GET', '/v1/functions/printer', { key: alice })).body;
    const busy = metrics.buckets.filter((b: { count: number }) => b.count > 0);
    for (const b of busy) {
      assert.ok(b.p50Ms > 0 && b.p50Ms <= b.p95Ms && b.p95Ms <= b.p99Ms, JSON.stringify(b));
      assert.equal(b.memoryLimitMb, limits.memoryMb);
    }
    assert.ok(
      busy.some((b: { initP50Ms: number | null }) => b.initP50Ms !== null && b.initP50Ms > 0),
      'the cold start has an init time',
    );

    const hourByMinute = await nubo.call('GET', '/v1/functions/printer/metrics', { key: alice });
    assert.equal(hourByMinute.status, 200);
    assert.equal(hourByMinute.body.buckets.length, 60, 'the default is the last hour by minute');
  });

  it('refuses a metrics window it cannot answer, with what to change', async () => {
    for (const [query, expected] of [
      ['from=2000&to=1000', /from \(2000\) must be before to \(1000\)/],
      ['from=0&to=86400000&step=1000', /at most 1440.*step of at least 60000 ms/],
      ['step=10', /step/],
      ['from=yesterday', /from/],
    ] as const) {
      const res = await nubo.call('GET', `/v1/functions/printer/metrics?${query}`, { key: alice });
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.body.error.code, 'NUBO_ERR_REQUEST_INVALID');
      assert.match(res.body.error.message, expected);
    }
    const foreign = await nubo.call('GET', '/v1/functions/printer/metrics', { key: bob });
    assert.equal(foreign.status, 404, "another user's function is not there for bob");
  });

  it('filters invocation records by status, output text and version', async () => {
    const failed = await nubo.call('GET', '/v1/functions/printer/logs?status=error', { key: alice });
    assert.deepEqual(
      failed.body.map((r: { status: string; logs: string }) => [r.status, r.logs.includes('printed 5')]),
      [['error', true]],
    );
    const text = await nubo.call('GET', '/v1/functions/printer/logs?text=PRINTED%203', { key: alice });
    assert.equal(text.body.length, 1);
    assert.match(text.body[0].logs, /printed 3/);
    assert.equal((await nubo.call('GET', '/v1/functions/printer/logs?version=2', { key: alice })).body.length, 0);
    assert.equal((await nubo.call('GET', '/v1/functions/printer/logs?status=fine', { key: alice })).status, 400);
  });

  it("lists the function's workers without their secrets", async () => {
    const workers = await nubo.call('GET', '/v1/functions/printer/workers', { key: alice });
    assert.equal(workers.status, 200, workers.text);
    assert.ok(workers.body.length >= 1);
    for (const w of workers.body) {
      assert.equal(w.version, 1);
      assert.ok(['idle', 'busy'].includes(w.state));
      assert.equal('secret' in w, false);
    }
    assert.equal((await nubo.call('GET', '/v1/functions/printer/workers', { key: bob })).status, 404);
  });

  it('follows new records in a live tail, whichever gateway ran the call', async () => {
    const first = nubo.urls[0]!;
    const last = nubo.urls.at(-1)!;
    const controller = new AbortController();
    const stream = await fetch(`${first}/v1/functions/printer/logs/tail`, {
      headers: { authorization: `Bearer ${alice}` },
      signal: controller.signal,
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const invoked = await call(last, 'POST', '/v1/functions/printer/invoke', { key: alice, body: { n: 42 } });
    assert.equal(invoked.status, 200, invoked.text);
    const requestId = invoked.headers.get('x-nubo-request-id');
    const record = await readEvents(stream.body!, (event, data) => {
      const parsed = JSON.parse(data);
      return event === 'invocation' && parsed.requestId === requestId ? parsed : undefined;
    });
    controller.abort();
    assert.match(record.logs, /printed 42/);
    const foreign = await call(first, 'GET', '/v1/functions/printer/logs/tail', { key: bob });
    assert.equal(foreign.status, 404, "bob cannot follow alice's function");
  });

  it('signs in with a cookie that works only from the console itself (cross-site requests are refused)', async () => {
    const url = nubo.url;
    const wrong = await call(url, 'POST', '/v1/auth/session', { body: { username: 'alice', password: 'not the password' } });
    assert.equal(wrong.status, 401);
    const keysBeforeSignIn = await call(url, 'GET', '/v1/keys', { key: alice });
    const cookie = await signIn(url, 'alice');
    const keysBefore = await call(url, 'GET', '/v1/keys', { headers: { cookie } });
    assert.equal(keysBefore.status, 200, 'reading needs no console header');
    assert.equal(keysBefore.body.length, keysBeforeSignIn.body.length, 'a session is no API key');
    const token = cookie.split('=')[1]!;
    assert.equal((await call(url, 'GET', '/v1/auth/me', { key: token })).status, 401, "the cookie's token is no Bearer key");
    const sessions = await call(url, 'GET', '/v1/auth/sessions', { headers: { cookie } });
    assert.equal(sessions.status, 200, sessions.text);
    const current = sessions.body.filter((s: { current: boolean }) => s.current);
    assert.equal(current.length, 1, 'the session lists itself as the current one');
    assert.ok(current[0].expiresAt > Date.now() + 11 * 3600_000, 'it lasts 12 hours');

    const forged: Record<string, string>[] = [
      { cookie },
      { cookie, 'content-type': 'text/plain' },
      { cookie, 'x-nubo-console': '1', origin: 'http://127.0.0.1:1' },
      { cookie, 'x-nubo-console': '1', origin: 'null' },
    ];
    for (const headers of forged) {
      const res = await call(url, 'POST', '/v1/keys', {
        headers,
        raw: { data: '{"name":"stolen"}', contentType: 'application/json' },
      });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(res.body.error.code, 'NUBO_ERR_AUTH_CROSS_SITE');
      const removal = await call(url, 'DELETE', `/v1/functions/printer`, { headers });
      assert.equal(removal.status, 403);
    }
    const keysAfter = await call(url, 'GET', '/v1/keys', { headers: { cookie } });
    assert.equal(keysAfter.body.length, keysBefore.body.length, 'no forged request made a key');

    const own = await call(url, 'POST', '/v1/keys', {
      headers: { cookie, 'x-nubo-console': '1', origin: url },
      body: { name: 'from-console' },
    });
    assert.equal(own.status, 201, own.text);
    const signOut = await call(url, 'DELETE', '/v1/auth/session', { headers: { cookie, 'x-nubo-console': '1' } });
    assert.equal(signOut.status, 204);
    assert.match(signOut.headers.get('set-cookie') ?? '', /nubo_session=;/);
    const after = await call(url, 'GET', '/v1/keys', { headers: { cookie } });
    assert.equal(after.status, 401, 'the signed-out session is ended');
    assert.equal(after.body.error.code, 'NUBO_ERR_AUTH_INVALID_KEY');
    const ended = await call(url, 'GET', '/v1/auth/sessions', { key: alice });
    assert.ok(!ended.body.some((s: { id: string }) => s.id === current[0].id), 'and no longer listed');
  });

  it('lists a user’s sessions and ends one by id, from anywhere (another browser, a key)', async () => {
    const url = nubo.url;
    const cookie = await signIn(url, 'alice');
    const [session] = (await call(url, 'GET', '/v1/auth/sessions', { headers: { cookie } })).body.filter(
      (s: { current: boolean }) => s.current,
    );
    assert.ok(session, 'the new session is listed');
    assert.equal((await call(url, 'GET', '/v1/auth/me', { headers: { cookie } })).status, 200);
    const ended = await call(url, 'DELETE', `/v1/auth/sessions/${session.id}`, { key: alice });
    assert.equal(ended.status, 204, ended.text);
    assert.equal((await call(url, 'GET', '/v1/auth/me', { headers: { cookie } })).status, 401, 'that browser is signed out');
    const again = await call(url, 'DELETE', `/v1/auth/sessions/${session.id}`, { key: alice });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'NUBO_ERR_AUTH_SESSION_NOT_FOUND');
  });

  it('shows the cluster and the users to the admin only', async () => {
    const cluster = await nubo.call('GET', '/v1/admin/cluster', { key: alice });
    assert.equal(cluster.status, 200, cluster.text);
    assert.ok(cluster.body.managers.length >= 1);
    for (const m of cluster.body.managers) assert.ok(m.used.workers <= m.capacity.workers);
    const pool = cluster.body.functions.find((f: { name: string }) => f.name === 'printer');
    assert.equal(pool.owner, 'alice');
    assert.ok(pool.liveWorkers >= 1);
    assert.equal(cluster.body.totals.managers, cluster.body.managers.length);
    assert.deepEqual(
      cluster.body.gateways.map((g: { url: string }) => g.url).sort(),
      [...nubo.urls].sort(),
      'every gateway of the stack has announced itself',
    );
    const users = await nubo.call('GET', '/v1/admin/users', { key: alice });
    assert.deepEqual(
      users.body.map((u: { username: string; isAdmin: boolean; functions: number }) => [u.username, u.isAdmin, u.functions]),
      [
        ['alice', true, 1],
        ['bob', false, 0],
      ],
    );
    for (const path of ['/v1/admin/cluster', '/v1/admin/users']) {
      const refused = await nubo.call('GET', path, { key: bob });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'NUBO_ERR_AUTH_ADMIN_ONLY');
    }
  });

  it('names the runtimes a deploy may choose and which ones run here', async () => {
    const runtimes = await nubo.call('GET', '/v1/runtimes', { key: bob });
    assert.equal(runtimes.status, 200);
    const ids = runtimes.body.map((r: { id: string }) => r.id);
    assert.ok(ids.includes('node24') && ids.includes('python3.11'));
    assert.ok(runtimes.body.some((r: { available: boolean }) => r.available));
  });
});
