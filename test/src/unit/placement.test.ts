import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagerRecord } from '@nubo/core';
import { placementOrder } from '@nubo/manager';

const manager = (id: string, free: { slots: number; memoryMb: number }, draining = false): ManagerRecord => ({
  id,
  url: `http://${id}:7070`,
  advertiseIp: '127.0.0.1',
  capacity: 100,
  running: 100 - free.slots,
  memoryMb: 10_000,
  memoryUsedMb: 10_000 - free.memoryMb,
  draining,
  runtimes: ['node20'],
  heartbeatAt: 0,
});

const ids = (managers: ManagerRecord[]) => managers.map((m) => m.id);

describe('placement of a cold start', () => {
  it('prefers the most free worker slots, then the most free memory, and never a draining manager', () => {
    const order = placementOrder(
      [
        manager('a', { slots: 5, memoryMb: 9000 }),
        manager('b', { slots: 50, memoryMb: 100 }),
        manager('c', { slots: 50, memoryMb: 2000 }),
        manager('d', { slots: 99, memoryMb: 9999 }, true),
      ],
      0,
    );
    assert.deepEqual(ids(order), ['c', 'b', 'a']);
  });

  it('gives the same order for the same input and turn', () => {
    const managers = [
      manager('x', { slots: 3, memoryMb: 300 }),
      manager('y', { slots: 3, memoryMb: 300 }),
      manager('z', { slots: 1, memoryMb: 300 }),
    ];
    assert.deepEqual(ids(placementOrder(managers, 7)), ids(placementOrder([...managers].reverse(), 7)));
  });

  it('lets managers with equal room take turns being first, and keeps the rest behind them', () => {
    const managers = [
      manager('x', { slots: 3, memoryMb: 300 }),
      manager('y', { slots: 3, memoryMb: 300 }),
      manager('z', { slots: 1, memoryMb: 300 }),
    ];
    const firsts = [0, 1, 2, 3].map((turn) => placementOrder(managers, turn));
    assert.deepEqual(
      firsts.map((order) => order[0]!.id),
      ['x', 'y', 'x', 'y'],
    );
    for (const order of firsts) assert.equal(order[2]!.id, 'z');
  });

  it('has nowhere to go when every manager drains', () => {
    assert.deepEqual(placementOrder([manager('a', { slots: 5, memoryMb: 5 }, true)], 0), []);
  });
});
