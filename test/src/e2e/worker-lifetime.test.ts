import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { processAlive, startNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

/** Leaves a process running in the background and tells its pid. */
const leaver = `
import { spawn } from 'node:child_process';
export const handler = async () => {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  child.unref();
  return { pid: child.pid };
};
`;

// Process sandbox only: in the Docker sandbox a worker's processes live in its container, which is removed.
describe('what a function starts in the background ends with its worker (process sandbox)', () => {
  it('a background child of the function is gone once its worker is destroyed', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const key = await nubo.signup('leaver');
    await nubo.deploy(key, 'leaver', { 'index.mjs': leaver });
    const res = await nubo.invoke(key, 'leaver');
    assert.equal(res.status, 200, res.text);
    const { pid } = res.body as { pid: number };
    assert.ok(processAlive(pid), 'the background process runs while its worker lives');
    for (const manager of nubo.managers()) for (const worker of manager.liveWorkers()) await nubo.killWorker(worker.id);
    await eventually('the background process is gone with its worker', async () => !processAlive(pid));
  });
});
