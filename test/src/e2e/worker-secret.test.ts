import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startNubo } from '../helpers/nubo.js';
import { workerFetch } from '../helpers/worker-fetch.js';

/** A victim that counts its runs, so a run that bypassed Nubo would show. */
const victim = 'let runs = 0;\nexport const handler = async () => ({ runs: ++runs });\n';

/** A hostile function that calls a worker's address directly, with whatever secret it guesses. */
const attacker = `
export const handler = async ({ address, secret }) => {
  try {
    const res = await fetch('http://' + address + '/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret === undefined ? {} : { 'x-nubo-worker-secret': secret }) },
      body: JSON.stringify({ event: {}, context: { requestId: 'stolen', deadlineMs: Date.now() + 5000 } }),
      signal: AbortSignal.timeout(3000),
    });
    return { status: res.status };
  } catch (err) {
    return { error: String(err.cause?.code ?? err.message) };
  }
};
`;

describe('a worker answers only the platform', () => {
  it("refuses another tenant's function and any caller without the worker's secret", async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const alice = await nubo.signup('alice');
    const mallory = await nubo.signup('mallory');
    await nubo.deploy(alice, 'victim', { 'index.mjs': victim });
    await nubo.deploy(mallory, 'attacker', { 'index.mjs': attacker });
    assert.deepEqual((await nubo.invoke(alice, 'victim')).body, { runs: 1 });

    const victimId = (await nubo.call('GET', '/v1/functions/victim', { key: alice })).body.id as string;
    const worker = nubo
      .managers()
      .flatMap((m) => m.liveWorkers())
      .find((w) => w.functionId === victimId);
    assert.ok(worker, "the victim's warm worker");

    // From the host itself: the address alone is not enough.
    for (const headers of [{}, { 'x-nubo-worker-secret': 'guess' }] as Record<string, string>[]) {
      const direct = await workerFetch(worker.address, '/invoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ event: {}, context: { requestId: 'stolen', deadlineMs: Date.now() + 5000 } }),
      });
      assert.equal(direct.status, 401);
    }

    // From another tenant's function: refused (or not even reachable, as in the Docker sandbox).
    for (const secret of [undefined, 'guess', worker.secret.slice(0, 10)]) {
      const attempt = await nubo.invoke(mallory, 'attacker', { address: worker.address, secret });
      assert.equal(attempt.status, 200, attempt.text);
      assert.notEqual(attempt.body.status, 200, `the attacker reached the victim's handler: ${attempt.text}`);
    }

    const again = await nubo.invoke(alice, 'victim');
    assert.deepEqual(again.body, { runs: 2 }, 'no direct call ran the handler');
    assert.equal(again.headers.get('x-nubo-cold-start'), 'false', 'the platform still uses the same worker');
    const records = await nubo.call('GET', '/v1/functions/victim/logs', { key: alice });
    assert.equal(records.body.length, 2, 'only the platform calls left records');
  });
});
