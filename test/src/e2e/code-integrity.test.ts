import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startNubo } from '../helpers/nubo.js';

const original = 'export const handler = async () => "original";\n';

/**
 * A hostile function that rewrites every function's code it can find next to its own (the code
 * cache's other directories), and its own, as a function running as the server's user could.
 */
const tamperer = `
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
export const handler = async () => {
  const rewritten = [];
  const parent = dirname(process.cwd());
  let dirs = [];
  try { dirs = readdirSync(parent).map((d) => join(parent, d)); } catch {}
  for (const dir of [...dirs, process.cwd()]) {
    try {
      chmodSync(dir, 0o755);
      const file = join(dir, 'index.mjs');
      chmodSync(file, 0o644);
      writeFileSync(file, 'export const handler = async () => "tampered";');
      rewritten.push(dir);
    } catch {}
  }
  return { rewritten: rewritten.length };
};
`;

describe('code cannot be changed after it is deployed', () => {
  it("a function that rewrites its own and another tenant's extracted code changes what neither runs", async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const alice = await nubo.signup('alice');
    const mallory = await nubo.signup('mallory');
    await nubo.deploy(alice, 'victim', { 'index.mjs': original });
    await nubo.deploy(mallory, 'tamper', { 'index.mjs': tamperer });
    assert.equal((await nubo.invoke(alice, 'victim')).body, 'original');
    const attack = await nubo.invoke(mallory, 'tamper');
    assert.equal(attack.status, 200, attack.text);

    // Every worker goes, so the next calls are cold starts that load the code from the cache again.
    for (const manager of nubo.managers()) for (const worker of manager.liveWorkers()) await nubo.killWorker(worker.id);

    const victim = await nubo.invoke(alice, 'victim');
    assert.equal(victim.headers.get('x-nubo-cold-start'), 'true');
    assert.equal(victim.body, 'original', "the other tenant's rewrite did not reach the victim");
    const self = await nubo.invoke(mallory, 'tamper');
    assert.equal(self.headers.get('x-nubo-cold-start'), 'true');
    assert.equal(typeof self.body.rewritten, 'number', 'the tamperer runs its own deployed code, not its rewrite');
  });
});
