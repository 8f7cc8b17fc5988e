import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerSpecOf, HostPorts, type ContainerPlan } from '@nubo/manager';

const plan = (network: 'egress' | 'none'): ContainerPlan => ({
  workerId: 'wrk_1',
  managerId: 'm1',
  image: 'nubo-runtime-node22:local',
  key: { runtime: 'node22', memoryMb: 256, network },
  env: { NUBO_STEM_CELL: '1' },
  codeDir: '/var/lib/nubo/code/abc',
  labels: { 'nubo.function': 'stem-cell' },
  published: network === 'egress' ? { ip: '10.0.0.5', port: 30001 } : null,
});

describe('a worker container’s spec', () => {
  it('is hardened whatever its network', () => {
    for (const network of ['egress', 'none'] as const) {
      const spec = containerSpecOf(plan(network));
      const host = spec.HostConfig!;
      assert.equal(spec.User, '65534:65534', 'nobody');
      assert.deepEqual(host.CapDrop, ['ALL']);
      assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
      assert.equal(host.Privileged, false);
      assert.equal(host.ReadonlyRootfs, true);
      assert.deepEqual(host.Binds, ['/var/lib/nubo/code/abc:/code:ro'], 'the code read-only, nothing else of the host');
      assert.equal(host.Memory, 256 * 1024 * 1024);
      assert.equal(host.MemorySwap, host.Memory, 'no swap');
      assert.equal(host.PidsLimit, 64);
      assert.ok(
        Object.values(host.Tmpfs ?? {}).every((options) => /size=\d+[mk]/.test(options)),
        'every tmpfs is bounded',
      );
      assert.notEqual(host.NetworkMode, 'host');
      assert.deepEqual(spec.Labels, { 'nubo.manager': 'm1', 'nubo.worker': 'wrk_1', 'nubo.function': 'stem-cell' });
    }
  });

  it('publishes an egress worker’s port on the advertise IP only, on the workers’ bridge', () => {
    const spec = containerSpecOf(plan('egress'));
    assert.equal(spec.HostConfig!.NetworkMode, 'nubo-workers');
    assert.deepEqual(spec.HostConfig!.PortBindings, { '8080/tcp': [{ HostIp: '10.0.0.5', HostPort: '30001' }] });
    assert.ok(!spec.Env!.some((v) => v.startsWith('NUBO_RUNTIME_SOCKET=')));
  });

  it('gives a worker without network no network and no port, and its socket a directory of its own', () => {
    const spec = containerSpecOf(plan('none'));
    assert.equal(spec.HostConfig!.NetworkMode, 'none');
    assert.equal(spec.HostConfig!.PortBindings, undefined);
    assert.equal(spec.ExposedPorts, undefined);
    assert.ok(spec.Env!.includes('NUBO_RUNTIME_SOCKET=/run/nubo/worker.sock'));
    assert.match(spec.HostConfig!.Tmpfs!['/run/nubo']!, /size=64k,mode=0700,uid=65534/);
  });
});

describe('the host ports of worker containers', () => {
  it('hands each out once, in turn, and again once given back; says how to widen the range when none is left', () => {
    const ports = new HostPorts({ from: 30000, to: 30002 });
    assert.deepEqual([ports.take(), ports.take(), ports.take()], [30000, 30001, 30002]);
    assert.throws(() => ports.take(), /No free host port in 30000-30002: widen NUBO_WORKER_PORT_RANGE/);
    ports.giveBack(30001);
    assert.equal(ports.take(), 30001);
  });
});
