import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeRuntimeScript, pythonRuntimeScript } from '@nubo/runtime';
import { sandboxUser } from '../worker-limits.js';
import { egressResolvConf } from './egress-network.js';
import { releaseSandbox, scriptInSandbox, spawnBubblewrap } from './isolated-launch.js';
import type { SandboxDirs } from './sandbox-dirs.js';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

function outcome(command: string, child: ReturnType<typeof spawn>): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.once('error', (err) => resolve({ ok: false, reason: `${command} cannot run: ${err.message}` }));
    child.once('exit', (code) =>
      resolve(
        code === 0 ? { ok: true } : { ok: false, reason: `${command} failed (${stderr.trim().slice(0, 300) || `exit ${code}`})` },
      ),
    );
  });
}

/**
 * Whether this machine can isolate workers as the process sandbox does: slirp4netns is there for
 * functions with network, and bubblewrap makes a worker's sandbox from these directories (which
 * the unprivileged user must be able to reach) in which the runtime's files are readable.
 */
export async function probeIsolation(dirs: Omit<SandboxDirs, 'remove'>): Promise<ProbeResult> {
  const slirp = await outcome('slirp4netns', spawn('slirp4netns', ['--version'], { stdio: ['ignore', 'ignore', 'pipe'] }));
  if (!slirp.ok) return { ok: false, reason: `slirp4netns is missing (${slirp.reason})` };
  await mkdir(dirs.workDir, { recursive: true });
  await mkdir(dirs.codeCacheDir, { recursive: true });
  // A worker's own directory (its resolv.conf, a stem cell's code) lives in workDir: it too must be reachable.
  const workerDir = await mkdtemp(join(dirs.workDir, '.probe-'));
  try {
    await chmod(workerDir, 0o755);
    const resolvConf = join(workerDir, 'resolv.conf');
    await writeFile(resolvConf, egressResolvConf);
    const scripts = [nodeRuntimeScript, pythonRuntimeScript].map(scriptInSandbox);
    const child = spawnBubblewrap({
      codeDir: dirs.codeCacheDir,
      runtimeDir: dirs.runtimeDir,
      resolvConf,
      command: process.execPath,
      args: ['-e', `for (const f of ${JSON.stringify(scripts)}) require('fs').accessSync(f)`],
      env: {},
      ipc: false,
    });
    (child.stdio[4] as NodeJS.ReadableStream | null)?.resume();
    releaseSandbox(child);
    const bwrap = await outcome('bwrap', child);
    if (bwrap.ok) return bwrap;
    const unreachable = /Permission denied/.test(bwrap.reason)
      ? ` (uid ${sandboxUser.uid} must be able to reach ${dirs.workDir}, ${dirs.codeCacheDir} and ${dirs.runtimeDir}: no private parent directory such as /root on the way; choose another NUBO_DATA_DIR or install location)`
      : '';
    return { ok: false, reason: `bubblewrap cannot make a worker sandbox here: ${bwrap.reason}${unreachable}` };
  } finally {
    await rm(workerDir, { recursive: true, force: true });
  }
}
