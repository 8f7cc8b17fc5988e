// Runs inside a network namespace of egress-policy.test.ts's own (unshare --net), never on its own:
// every address it calls is on this namespace's loopback, with a listener of its own, so nothing is
// ever sent to a real private or metadata address. An embedded Nubo here gives its isolated workers
// egress through slirp4netns, whose connections leave from this namespace.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

/** What stands for the cloud's metadata services and a node's private networks. */
const forbidden = ['169.254.169.254', '169.254.170.2', '10.20.30.40', '172.16.5.5', '192.168.77.1', '100.64.1.1'];
/** A private address the operator allows (NUBO_EGRESS_ALLOW). */
const allowed = '10.99.0.1';
const port = 8080;

const prober = `import { connect } from 'node:net';
const reach = (host) => new Promise((resolve) => {
  const socket = connect({ host, port: ${port}, timeout: 3000 });
  socket.on('connect', () => { socket.destroy(); resolve('connected'); });
  socket.on('timeout', () => { socket.destroy(); resolve('timeout'); });
  socket.on('error', (e) => resolve(e.code));
});
export const handler = async (event) => Object.fromEntries(await Promise.all(event.targets.map(async (t) => [t, await reach(t)])));`;

const reach = (host: string) =>
  new Promise<string>((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

describe('an egress function reaches no private or link-local address the operator did not allow', () => {
  let nubo: TestNubo;
  const listeners: Server[] = [];

  before(async () => {
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
    for (const address of [...forbidden, allowed]) {
      execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
      const server = createServer((socket) => socket.end());
      await new Promise<void>((resolve) => server.listen(port, address, resolve));
      listeners.push(server);
    }
    nubo = await startNubo({ NUBO_EGRESS_ALLOW: `${allowed}/32` });
  });
  after(async () => {
    await nubo?.close();
    for (const server of listeners) server.close();
  });

  it('is refused at once by every forbidden address, and reaches the allowed one', async () => {
    const key = await nubo.signup('mallory');
    await nubo.deploy(key, 'prober', { 'index.mjs': prober }, { timeoutMs: 20_000 });
    // From the server's side every address answers: a worker that cannot reach one is kept from it.
    for (const address of forbidden) assert.equal(await reach(address), 'connected', address);
    const res = await nubo.invoke(key, 'prober', { targets: [...forbidden, allowed] });
    assert.equal(res.status, 200, res.text);
    for (const address of forbidden) assert.equal(res.body[address], 'EACCES', `${address}: ${res.body[address]}`);
    assert.equal(res.body[allowed], 'connected', 'an address of NUBO_EGRESS_ALLOW is reached');
  });
});
