import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { NuboError, formatCidr, parseCidr, subtractCidrs, type Cidr } from '@nubo/core';

/**
 * What a function with egress never reaches unless the operator allows it (NUBO_EGRESS_ALLOW): the
 * private ranges (a node's LAN, a cloud's VPC, carrier-grade NAT) and link-local ones, where
 * cloud metadata services (169.254.169.254, 169.254.170.2) answer with the node's credentials.
 */
export const privateRanges = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
] as const;

/**
 * The egress policy of a node's workers, enforced inside each worker's own network namespace: a
 * `prohibit` route per blocked range, so a connection there fails at once (EACCES) and no packet
 * leaves. The worker has no capability to change its routes; its network's own link (slirp4netns',
 * a container's bridge) keeps its more specific route, so replies and DNS still flow.
 */
export class EgressPolicy {
  readonly blocked: Cidr[];

  constructor(allow: readonly string[] = []) {
    const parse = (text: string) => {
      const cidr = parseCidr(text);
      if (!cidr) throw new NuboError('NUBO_ERR_CONFIG_INVALID', `"${text}" is no address range (NUBO_EGRESS_ALLOW).`);
      return cidr;
    };
    this.blocked = subtractCidrs(privateRanges.map(parse), allow.map(parse));
  }

  /** The `ip -batch` lines for one namespace; IPv6 ones only where it has IPv6 at all. */
  batch(withIpv6: boolean): string {
    return this.blocked
      .filter((range) => range.family === 4 || withIpv6)
      .map((range) => `route add prohibit ${formatCidr(range)}\n`)
      .join('');
  }

  /** Applies the policy to the network namespace of a process (a sandbox's first process, a container's). */
  async applyTo(pid: number): Promise<void> {
    const ipv6 = ((await readFile(`/proc/${pid}/net/if_inet6`, 'utf8').catch(() => '')) as string).trim().length > 0;
    const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.stdin.end(this.batch(ipv6));
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(null));
      child.once('close', resolve);
    });
    if (code !== 0)
      throw new NuboError(
        'NUBO_ERR_WORKER_START_FAILED',
        `Cannot keep the worker from private and link-local addresses (nsenter and ip, from util-linux and iproute2): ${stderr.trim() || `exit ${code}`}`,
      );
  }
}
