import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';
import { workerProcesses } from '../helpers/worker-processes.js';

/** Leaves processes running in the background: a plain child and one in a session of its own (setsid). */
const leaver = `
import { spawn } from 'node:child_process';
export const handler = async () => {
  for (const args of [['sleep', '300'], ['setsid', 'sleep', '301']]) {
    const child = spawn(args[0], args.slice(1), { stdio: 'ignore', detached: true });
    child.unref();
  }
  return { started: 2 };
};
`;

// Process sandbox only: in the Docker sandbox a worker's processes live in its container, which is removed.
describe('what a function starts in the background ends with its worker (process sandbox)', () => {
  it('background children, even in a session of their own, are gone once their worker is destroyed', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const key = await nubo.signup('leaver');
    await nubo.deploy(key, 'leaver', { 'index.mjs': leaver });
    const res = await nubo.invoke(key, 'leaver');
    assert.equal(res.status, 200, res.text);
    const { workerId } = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    // The runtime, bubblewrap's init and the two sleeps at least.
    await eventually('the background processes run while their worker lives', async () => workerProcesses(workerId).length >= 4);
    await nubo.killWorker(workerId);
    assert.deepEqual(workerProcesses(workerId), [], 'nothing of the worker is left');
  });
});
