import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayRegistry } from '@nubo/core';

/** Every GatewayRegistry adapter must pass this suite unchanged. `create` gives an empty registry with the TTL. */
export function gatewayRegistryConformance(adapter: string, create: (ttlMs: number) => Promise<GatewayRegistry>): void {
  const gateway = (id: string, startedAt: number) => ({
    id,
    url: `http://127.0.0.1:${8000 + startedAt}`,
    hostname: 'h',
    pid: 1,
    startedAt,
  });

  describe(`GatewayRegistry conformance: ${adapter}`, () => {
    it('lists the gateways that announced themselves within the TTL, oldest first', async () => {
      const registry = await create(10_000);
      await registry.heartbeat(gateway('b', 2));
      await registry.heartbeat(gateway('a', 1));
      await registry.heartbeat(gateway('a', 1));
      const alive = await registry.alive();
      assert.deepEqual(
        alive.map((g) => [g.id, g.url]),
        [
          ['a', 'http://127.0.0.1:8001'],
          ['b', 'http://127.0.0.1:8002'],
        ],
      );
      assert.ok(alive.every((g) => Math.abs(g.heartbeatAt - Date.now()) < 5000));
      assert.deepEqual(await registry.alive(Date.now() + 20_000), [], 'silent past the TTL: gone');
    });

    it('forgets a gateway that withdraws', async () => {
      const registry = await create(10_000);
      await registry.heartbeat(gateway('c', 3));
      await registry.deregister('c');
      await registry.deregister('never-there');
      assert.deepEqual(await registry.alive(), []);
    });
  });
}
