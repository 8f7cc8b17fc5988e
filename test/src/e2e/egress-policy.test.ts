import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const lab = fileURLToPath(new URL('../labs/egress-lab.js', import.meta.url));

describe('egress to private and link-local addresses (process sandbox)', () => {
  it('is refused unless allowed: tried in a network namespace of the test’s own, with those addresses on its loopback', () => {
    // The whole lab (server, workers, listeners) runs in a new network namespace, so no packet can reach a real address.
    // A test runner of its own (without this one's context, which would make it report to this process).
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    const run = spawnSync('unshare', ['--net', '--', process.execPath, '--test', '--test-reporter=spec', lab], {
      encoding: 'utf8',
      timeout: 120_000,
      env,
    });
    assert.equal(run.status, 0, `the lab failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /pass 1/);
  });
});
