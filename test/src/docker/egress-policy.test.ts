import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ensureTestNetwork } from '../helpers/test-network.js';

process.env.NUBO_E2E_SANDBOX = 'docker';
const { startNubo } = await import('../helpers/nubo.js');

const prober = `import { connect } from 'node:net';
export const handler = async (event) => new Promise((resolve) => {
  const socket = connect({ host: event.host, port: event.port, timeout: 3000 });
  socket.on('connect', () => { socket.destroy(); resolve('connected'); });
  socket.on('timeout', () => { socket.destroy(); resolve('timeout'); });
  socket.on('error', (e) => resolve(e.code));
});`;

describe('egress from a container to a private address (Docker sandbox)', () => {
  // An address of the test's own network namespace (a private range), with a listener of the test's.
  const host = ensureTestNetwork();
  const server = createServer((socket) => socket.end());
  const listening = new Promise<void>((resolve) => server.listen(0, host, resolve));
  after(() => server.close());

  for (const allow of [false, true]) {
    it(
      allow ? 'reaches it when NUBO_EGRESS_ALLOW names it' : 'is refused at once, inside the container (no packet leaves)',
      async () => {
        await listening;
        const nubo = await startNubo({ NUBO_EGRESS_ALLOW: allow ? `${host}/32` : '' });
        try {
          const key = await nubo.signup('mallory');
          await nubo.deploy(key, 'prober', { 'index.mjs': prober }, { timeoutMs: 20_000 });
          const res = await nubo.invoke(key, 'prober', { host, port: (server.address() as AddressInfo).port });
          assert.equal(res.status, 200, res.text);
          assert.equal(res.body, allow ? 'connected' : 'EACCES');
        } finally {
          await nubo.close();
        }
      },
    );
  }
});
