import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { NuboError } from '@nubo/core';

/** The DNS forwarder slirp4netns offers inside the namespace. */
export const egressResolvConf = 'nameserver 10.0.2.3\n';

export interface EgressNetwork {
  close(): void;
}

/**
 * Gives a worker's empty network namespace outbound network through slirp4netns (user-mode
 * networking: connections leave from the host's stack as the server's, nothing is bridged), with
 * the host's loopback unreachable from inside, so the platform's services on 127.0.0.1 are not.
 * slirp4netns ends when the worker's namespace goes, when closed, and when this process dies.
 */
export function attachEgress(sandboxPid: number): Promise<EgressNetwork> {
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
