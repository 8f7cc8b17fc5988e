import type Docker from 'dockerode';
import type { StemKey } from '@nubo/core';
import { sandboxUser, workerLimits } from '../worker-limits.js';
import { containerPort } from './runtime-images.js';

const MiB = 1024 * 1024;
/** Where a container without network finds the directory for its runtime's socket. */
export const containerSocketDir = '/run/nubo';
/** The bridge network of egress workers (no traffic between containers). */
export const workerNetwork = 'nubo-workers';

/** One worker container as its manager plans it. */
export interface ContainerPlan {
  workerId: string;
  managerId: string;
  image: string;
  key: StemKey;
  /** The runtime's environment: never a secret (a container's environment is readable in /proc/1/environ). */
  env: Record<string, string>;
  /** Host directory bound read-only at /code. */
  codeDir: string;
  labels: Record<string, string>;
  /** Where its runtime port is published (egress workers); none without network. */
  published: { ip: string; port: number } | null;
}

/** Whether the container has no network at all: its runtime listens on a socket in `containerSocketDir`. */
export const isOffline = (key: StemKey): boolean => key.network === 'none';

/**
 * The hardened container of one worker, as Docker's create call takes it: its own user (nobody), no
 * capabilities, no-new-privileges, never privileged, a read-only root whose only writable places
 * are small tmpfs mounts charged to its memory, its code read-only, memory with no swap, CPU
 * shares, pids and open-file limits, and either no network or the workers' bridge with its port
 * published on the manager's advertise IP. Pure: the whole hardening reads (and is tested) here.
 */
export function containerSpecOf(plan: ContainerPlan): Docker.ContainerCreateOptions {
  const offline = isOffline(plan.key);
  const memory = plan.key.memoryMb * MiB;
  const env = { ...plan.env, ...(offline ? { NUBO_RUNTIME_SOCKET: `${containerSocketDir}/worker.sock` } : {}) };
  const port = `${containerPort}/tcp`;
  return {
    name: `nubo-${plan.workerId}`,
    Image: plan.image,
    User: `${sandboxUser.uid}:${sandboxUser.gid}`,
    Env: ['HOME=/tmp', 'TMPDIR=/tmp', 'PATH=/usr/bin:/bin', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
    Labels: { 'nubo.manager': plan.managerId, 'nubo.worker': plan.workerId, ...plan.labels },
    ...(plan.published ? { ExposedPorts: { [port]: {} } } : {}),
    HostConfig: {
      ...(plan.published
        ? { PortBindings: { [port]: [{ HostIp: plan.published.ip, HostPort: String(plan.published.port) }] } }
        : {}),
      Binds: [`${plan.codeDir}:/code:ro`],
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': 'rw,nosuid,nodev,size=64m,mode=1777',
        ...(offline
          ? { [containerSocketDir]: `rw,nosuid,nodev,noexec,size=64k,mode=0700,uid=${sandboxUser.uid},gid=${sandboxUser.gid}` }
          : {}),
      },
      Memory: memory,
      MemorySwap: memory,
      CpuShares: workerLimits.cpuShares,
      PidsLimit: workerLimits.pids,
      Ulimits: [{ Name: 'nofile', Soft: workerLimits.openFiles, Hard: workerLimits.openFiles }],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      NetworkMode: offline ? 'none' : workerNetwork,
    },
  };
}
