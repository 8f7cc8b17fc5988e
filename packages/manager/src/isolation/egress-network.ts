import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable, Writable } from 'node:stream';
import { NuboError } from '@nubo/core';

/** The DNS forwarder slirp4netns offers inside the namespace. */
export const egressResolvConf = 'nameserver 10.0.2.3\n';

const loopbackWaitMs = 5000;

/**
 * Waits until bubblewrap has given the new namespace its loopback address. slirp4netns brings the
 * loopback up too, and the kernel then adds 127.0.0.1 itself, which makes bubblewrap's own
 * (exclusive) add of that address fail and the sandbox die ("loopback: Failed RTM_NEWADDR"), so
 * slirp4netns may only start once bubblewrap is done with it.
 */
async function loopbackConfigured(sandboxPid: number): Promise<void> {
  const deadline = Date.now() + loopbackWaitMs;
  for (;;) {
    const routes = await readFile(`/proc/${sandboxPid}/net/fib_trie`, 'utf8').catch(() => null);
    if (routes === null)
      throw new NuboError('NUBO_ERR_WORKER_START_FAILED', 'The worker sandbox ended while it was being set up.');
    if (routes.includes('127.0.0.1')) return;
    if (Date.now() > deadline)
      throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `The worker sandbox had no loopback after ${loopbackWaitMs} ms.`);
    await sleep(1);
  }
}

export interface EgressNetwork {
  close(): void;
}

/**
 * Gives a worker's empty network namespace outbound network through slirp4netns (user-mode
 * networking: connections leave from the host's stack as the server's, nothing is bridged), with
 * the host's loopback unreachable from inside, so the platform's services on 127.0.0.1 are not.
 * slirp4netns ends when closed (with its worker) and when this process dies (its exit pipe closes).
 */
export async function attachEgress(sandboxPid: number): Promise<EgressNetwork> {
  await loopbackConfigured(sandboxPid);
  const slirp = spawn(
    'slirp4netns',
    [
      '--configure',
      '--mtu=65520',
      '--disable-host-loopback',
      '--enable-seccomp',
      '--ready-fd=3',
      '--exit-fd=4',
      '--netns-type=path',
      `/proc/${sandboxPid}/ns/net`,
      'tap0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  // A pipe of a process that was killed can report a reset; its exit says what happened.
  for (const stream of slirp.stdio) stream?.on('error', () => undefined);
  const ready = slirp.stdio[3] as Readable;
  // Kept open while the worker lives: its end (close, or this process dying) stops slirp4netns.
  const exitPipe = slirp.stdio[4] as Writable;
  let stderr = '';
  slirp.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-2000);
  });
  const network: EgressNetwork = {
    close() {
      exitPipe.destroy();
      slirp.kill('SIGKILL');
    },
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      network.close();
      reject(
        new NuboError(
          'NUBO_ERR_WORKER_START_FAILED',
          `Cannot give the worker its network (slirp4netns ${why}): ${stderr.trim()}`,
        ),
      );
    };
    ready.once('data', () => resolve(network));
    slirp.once('error', (err) => fail(err.message));
    slirp.once('exit', (code) => fail(`exited with ${code}`));
  });
}
