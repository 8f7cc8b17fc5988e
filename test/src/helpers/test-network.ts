import { execFileSync } from 'node:child_process';

/** The host's end of a veth pair into a network namespace the tests create: an address that is not loopback. */
export const testNetworkHostIp = '10.250.77.1';
const namespace = 'nubo-test';

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
  } catch {
    // Already there (another test file made it first); checked below.
  }
}

/**
 * Makes (once per machine) a network namespace with a veth pair to the host, and answers the host
 * end's address. Isolated workers cannot reach the host's loopback, so a test server they must
 * call (a counter, a barrier) listens here; no traffic leaves the machine.
 */
export function ensureTestNetwork(): string {
  ip('netns', 'add', namespace);
  ip('link', 'add', 'nubo-test0', 'type', 'veth', 'peer', 'name', 'nubo-test1', 'netns', namespace);
  ip('addr', 'add', `${testNetworkHostIp}/30`, 'dev', 'nubo-test0');
  ip('link', 'set', 'nubo-test0', 'up');
  ip('-n', namespace, 'addr', 'add', '10.250.77.2/30', 'dev', 'nubo-test1');
  ip('-n', namespace, 'link', 'set', 'nubo-test1', 'up');
  const addresses = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'nubo-test0'], { encoding: 'utf8' });
  if (!addresses.includes(testNetworkHostIp))
    throw new Error(`the test network is missing (${addresses.trim()}): the tests make it with iproute2 as root`);
  return testNetworkHostIp;
}
