import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { sandboxKind, stackKind, startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';
import { service } from '../helpers/services.js';

/** A hostile function: it tries what a tenant's code should never manage and reports what happened. */
const prober = `
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
const attempt = (fn) => { try { return { ok: fn() }; } catch (e) { return { error: e.code ?? e.message }; } };
const reach = (target) => new Promise((resolve) => {
  const options = target.startsWith('unix:') ? { path: target.slice(5) } : { host: target.split(':')[0], port: Number(target.split(':')[1]) };
  const socket = connect({ ...options, timeout: 1500 });
  socket.on('connect', () => { socket.destroy(); resolve('connected'); });
  socket.on('timeout', () => { socket.destroy(); resolve('timeout'); });
  socket.on('error', (e) => resolve(e.code));
});
export const handler = async (event) => {
  if (event.allocateMb) {
    const kept = [];
    for (let i = 0; i < event.allocateMb; i++) kept.push(Buffer.alloc(1024 * 1024, 1));
    return { allocated: kept.length };
  }
  if (event.fill) {
    // Writes into one place until it refuses (or 200 MiB), then frees what it wrote.
    const file = event.fill + '/filler-' + process.pid;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let written = 0;
    let refused = null;
    try {
      while (written < 200 * 1024 * 1024) written += writeSync(openSync(file, 'a'), chunk);
    } catch (e) {
      refused = e.code ?? e.message;
    }
    try { rmSync(file); } catch {}
    return { written, refused };
  }
  if (event.environ) {
    const read = (path) => { try { return readFileSync(path, 'latin1'); } catch (e) { return 'unreadable: ' + e.code; } };
    return { self: read('/proc/self/environ'), first: read('/proc/1/environ'), env: JSON.stringify(process.env) };
  }
  if (event.fork) {
    let started = 0;
    for (let i = 0; i < 200; i++) {
      try { const c = spawn('sleep', ['20'], { stdio: 'ignore' }); c.on('error', () => {}); if (c.pid) started++; } catch {}
    }
    return { started };
  }
  const reached = {};
  for (const target of event.targets ?? []) reached[target] = await reach(target);
  return {
    uid: process.getuid(),
    capabilities: readFileSync('/proc/self/status', 'utf8').match(/CapEff:\\s*(\\w+)/)[1],
    root: readdirSync('/').sort(),
    processes: readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).length,
    reads: Object.fromEntries((event.reads ?? []).map((path) => [path, attempt(() => readFileSync(path, 'utf8').length)])),
    writeCode: attempt(() => writeFileSync('./tampered.mjs', 'x')),
    writeTmp: attempt(() => writeFileSync('/tmp/scratch', 'x')),
    signalServer: attempt(() => process.kill(event.serverPid, 'SIGTERM')),
    reached,
  };
};
`;

/**
 * A function that keeps computing after it answered: a timer that spins and a child process that
 * does too, each noting when it ran. Asked to report, it tells the longest pause each saw.
 */
const spinner = [
  "import { spawn } from 'node:child_process';",
  "import { readFileSync } from 'node:fs';",
  'const beats = [];',
  'let child;',
  '// Up to now too: a beat that has not come yet since a pause is a pause.',
  'const longestPause = (beats) => [...beats, Date.now()].reduce((most, t, i, all) => (i === 0 ? 0 : Math.max(most, t - all[i - 1])), 0);',
  'export const handler = async (event) => {',
  '  if (!child) {',
  '    setInterval(() => { const t = Date.now(); while (Date.now() - t < 2); beats.push(Date.now()); }, 5);',
  "    const code = \"const fs = require('fs'); setInterval(() => { const t = Date.now(); while (Date.now() - t < 2); fs.appendFileSync('/tmp/beats', Date.now() + ' '); }, 5);\";",
  "    child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });",
  '  }',
  "  if (!event.report) return 'spinning';",
  "  const childBeats = readFileSync('/tmp/beats', 'utf8').trim().split(' ').map(Number);",
  '  return { timer: longestPause(beats), child: longestPause(childBeats), beats: beats.length, childBeats: childBeats.length };',
  '};',
].join('\n');

/** A loopback address and port of a service, from its URL. */
const hostPort = (url: string) => {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port}`;
};

// The same attacks in every stack the file runs in (embedded here; distributed/ runs it again).
describe(`one tenant's function cannot reach anything but its own code and sandbox (${stackKind}, ${sandboxKind})`, () => {
  let nubo: TestNubo;
  let mallory: string;
  let alice: string;
  /** A server on a test network address: stands for the internet an egress function may reach. */
  let outside: { address: string; close(): void };

  before(async () => {
    nubo = await startNubo();
    alice = await nubo.signup('alice');
    mallory = await nubo.signup('mallory');
    await nubo.deploy(
      alice,
      'victim',
      { 'index.mjs': 'export const handler = async () => "victim";' },
      { env: { ALICE_SECRET: 's3cr3t' } },
    );
    await nubo.deploy(mallory, 'prober', { 'index.mjs': prober }, { memoryMb: 128, timeoutMs: 20_000 });
    await nubo.deploy(mallory, 'offline', { 'index.mjs': prober }, { network: 'none', timeoutMs: 20_000 });
    const host = await nubo.hostSeenByWorkers();
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    outside = { address: `${host}:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  });
  after(async () => {
    outside.close();
    await nubo.close();
  });

  it('runs unprivileged, sees only the system files, its code and its own processes, and cannot signal the server', async () => {
    assert.equal((await nubo.invoke(alice, 'victim')).status, 200);
    const victimWorker = nubo.managers().flatMap((m) => m.liveWorkers())[0]!;
    const res = await nubo.invoke(mallory, 'prober', {
      serverPid: process.pid,
      reads: ['/etc/shadow', '/etc/passwd', `${process.cwd()}/package.json`, '/proc/1/environ'],
      targets: victimWorker.address.startsWith('unix:') ? [victimWorker.address] : [],
    });
    assert.equal(res.status, 200, res.text);
    const seen = res.body;
    if (sandboxKind === 'process') {
      assert.equal(seen.uid, 65534, 'the function runs as nobody');
      assert.equal(seen.capabilities, '0000000000000000', 'with no capability');
      assert.deepEqual(
        seen.root.filter(
          (entry: string) =>
            !['bin', 'dev', 'etc', 'lib', 'lib64', 'opt', 'proc', 'run', 'sbin', 'tmp', 'usr', 'var'].includes(entry),
        ),
        [],
        'no host directory beyond the system ones',
      );
      assert.ok(seen.processes <= 4, `only its own processes are visible (saw ${seen.processes})`);
      assert.notEqual(seen.reads['/proc/1/environ'].ok, undefined, "pid 1 is its sandbox's, whose environment it may read");
    }
    for (const path of ['/etc/shadow', '/etc/passwd', `${process.cwd()}/package.json`])
      assert.ok(seen.reads[path].error, `${path} is out of reach: ${JSON.stringify(seen.reads[path])}`);
    assert.ok(seen.writeCode.error, 'its code is read-only');
    assert.deepEqual(seen.writeTmp, {}, 'its /tmp is writable');
    assert.ok(seen.signalServer.error, 'the server cannot be signalled');
    for (const [target, outcome] of Object.entries(seen.reached))
      assert.notEqual(outcome, 'connected', `another tenant's worker at ${target} is unreachable`);
    assert.equal((await nubo.invoke(alice, 'victim')).body, 'victim', 'the victim still answers');
  });

  it('reaches the outside world, but no platform address, with network egress; nothing with network none', async () => {
    const gatewayPort = new URL(nubo.url).port;
    const platform = [`127.0.0.1:${gatewayPort}`, `10.0.2.2:${gatewayPort}`];
    if (stackKind === 'distributed')
      platform.push(
        hostPort(service('REDIS_URL')),
        hostPort(service('MYSQL_URL')),
        hostPort(service('MONGO_URL')),
        hostPort(service('S3_ENDPOINT')),
        ...nubo.managers().flatMap((m) => m.liveWorkers().map((w) => w.address)),
      );
    const online = await nubo.invoke(mallory, 'prober', { targets: [...platform, outside.address] });
    assert.equal(online.status, 200, online.text);
    assert.equal(online.body.reached[outside.address], 'connected', 'egress reaches the outside');
    for (const target of platform) assert.notEqual(online.body.reached[target], 'connected', `${target} is a platform address`);
    const offline = await nubo.invoke(mallory, 'offline', { targets: [outside.address] });
    assert.equal(offline.status, 200, offline.text);
    assert.notEqual(offline.body.reached[outside.address], 'connected', 'network none reaches nothing');
  });

  it('can fill no place it may write beyond a small bound: its socket directory and /tmp are tmpfs of its own', async () => {
    const places = ['/run/nubo', '/tmp', '/dev/shm', '/var/tmp', '/var/task', '/'];
    for (const place of places) {
      const res = await nubo.invoke(mallory, 'prober', { fill: place });
      // A tmpfs is charged to the worker's memory: filling one past its limit ends it (oom), which is a bound too.
      if (res.status !== 200) {
        assert.equal(res.body.error.status, 'oom', `${place}: ${res.text}`);
        continue;
      }
      const { written, refused } = res.body;
      assert.ok(refused, `${place} took 200 MiB without refusing`);
      assert.ok(written <= 64 * 1024 * 1024, `${place} took ${written} bytes`);
      if (place === '/run/nubo') assert.ok(written <= 64 * 1024, `the socket directory took ${written} bytes`);
    }
  });

  it('leaves nothing unpacked on any node once its function is removed, however far its zip unpacks', async () => {
    // 0.05 MiB zipped, 48 MiB unpacked.
    const zip = zipSync(
      { 'index.mjs': strToU8('export const handler = async () => "big";'), 'zeros.bin': new Uint8Array(48 * 1024 * 1024) },
      { level: 9 },
    );
    assert.ok(zip.length < 1024 * 1024);
    const deployed = await nubo.call('PUT', '/v1/functions/unpacks', {
      key: mallory,
      body: { runtime: 'node20', handler: 'index.handler', code: { zip: Buffer.from(zip).toString('base64') } },
    });
    assert.equal(deployed.status, 201, deployed.text);
    const digest = deployed.body.version.codeDigest as string;
    assert.equal((await nubo.invoke(mallory, 'unpacks')).body, 'big');
    const unpackedOn = () => nubo.managers().filter((m) => m.codeCopies().includes(digest)).length;
    assert.ok(unpackedOn() >= 1, 'a node unpacked it to run it');
    assert.equal((await nubo.call('DELETE', '/v1/functions/unpacks', { key: mallory })).status, 204);
    await eventually('every node removed its copy', async () => unpackedOn() === 0);
  });

  it('computes nothing between its calls: its idle worker is frozen, timers and child processes too', async () => {
    await nubo.deploy(mallory, 'spinner', { 'index.mjs': spinner });
    const first = await nubo.invoke(mallory, 'spinner');
    assert.equal(first.body, 'spinning', first.text);
    const { workerId } = (await nubo.call('GET', `/v1/invocations/${first.headers.get('x-nubo-request-id')}`, { key: mallory }))
      .body;
    await eventually('its worker is frozen once idle', async () =>
      nubo.managers().some((m) => m.frozenWorkers().includes(workerId)),
    );
    // A second while it is frozen: whatever it runs would note beats in it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await nubo.invoke(mallory, 'spinner', { report: true });
    assert.equal(report.status, 200, report.text);
    assert.ok(report.body.beats > 0 && report.body.childBeats > 0, 'both spun before they were frozen');
    assert.ok(report.body.timer >= 700, `its timer paused while it was idle (longest pause ${report.body.timer} ms)`);
    assert.ok(report.body.child >= 700, `its child process too (longest pause ${report.body.child} ms)`);
    const thawed = await nubo.invoke(mallory, 'spinner', { report: true });
    assert.equal(thawed.status, 200, 'a thawed worker serves on');
  });

  it("cannot read its worker's secret anywhere in its environment, even without a stem cell", async () => {
    // A memory size no other function here has: no stem cell of its kind exists yet, so the worker is started afresh.
    await nubo.deploy(mallory, 'environ', { 'index.mjs': prober }, { memoryMb: 144 });
    const res = await nubo.invoke(mallory, 'environ', { environ: true });
    assert.equal(res.status, 200, res.text);
    // Every live worker's secret, its own among them.
    const secrets = nubo.managers().flatMap((m) => m.liveWorkers().map((w) => w.secret));
    assert.ok(secrets.length > 0);
    for (const [where, text] of Object.entries(res.body as Record<string, string>))
      for (const secret of secrets) assert.ok(!text.includes(secret), `a worker's secret is in ${where}`);
    assert.doesNotMatch(res.body.env, /NUBO_/, 'nothing of the runtime’s settings either');
  });

  it('ends a function that takes more memory than its limit with status oom, and caps its processes', async () => {
    const hog = await nubo.invoke(mallory, 'prober', { allocateMb: 1024 });
    assert.equal(hog.status, 502, hog.text);
    assert.equal(hog.body.error.status, 'oom', hog.text);
    const fork = await nubo.invoke(mallory, 'prober', { fork: true });
    assert.equal(fork.status, 200, fork.text);
    assert.ok(fork.body.started < 64, `at most the pids limit of processes (started ${fork.body.started})`);
  });
});
