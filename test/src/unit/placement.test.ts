import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagerRecord } from '@nubo/core';
import { placementOrder } from '@nubo/manager';

const manager = (id: string, free: { slots: number; memoryMb: number }, draining = false): ManagerRecord => ({
  id,
  url: `http://${id}:7070`,
  advertiseIp: '127.0.0.1',
  capacity: { workers: 100, memoryMb: 10_000 },
  used: { workers: 100 - free.slots, memoryMb: 10_000 - free.memoryMb },
  stems: { byKind: {}, room: { workers: 0, memoryMb: 0 } },
  evictions: { room: 0, 'idle-ttl': 0 },
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

  it('tries the managers holding a ready stem cell of the kind first, and counts stem cells as free room', () => {
    const withStems = (m: ManagerRecord, byKind: Record<string, number>, memoryMb: number): ManagerRecord => ({
      ...m,
      stems: { byKind, room: { workers: Object.values(byKind).reduce((a, b) => a + b, 0), memoryMb } },
    });
    const managers = [
      manager('roomy', { slots: 50, memoryMb: 5000 }),
      withStems(manager('python-stems', { slots: 40, memoryMb: 4000 }), { 'python3.11/128/egress': 2 }, 256),
      withStems(manager('node-stems', { slots: 10, memoryMb: 1000 }), { 'node22/128/egress': 1 }, 128),
      withStems(manager('draining-stems', { slots: 90, memoryMb: 9000 }, true), { 'node22/128/egress': 5 }, 640),
    ];
    assert.deepEqual(ids(placementOrder(managers, 0, 'node22/128/egress')), ['node-stems', 'roomy', 'python-stems']);
    assert.deepEqual(ids(placementOrder(managers, 0, 'python3.11/128/egress')), ['python-stems', 'roomy', 'node-stems']);
    assert.deepEqual(
      ids(placementOrder(managers, 0, 'node22/256/none')),
      ['roomy', 'python-stems', 'node-stems'],
      'no stem cell of the kind: by room, where 40 + 2 stem cells free is still behind 50',
    );
    const tie = [
      manager('plain', { slots: 11, memoryMb: 1128 }),
      withStems(manager('stems', { slots: 10, memoryMb: 1000 }), { 'python3.11/128/egress': 1 }, 128),
    ];
    assert.notEqual(
      placementOrder(tie, 0)[0]!.id,
      placementOrder(tie, 1)[0]!.id,
      "a ready stem cell's slot and memory count as free: 10 + 1 slots and 1000 + 128 MB tie with 11 and 1128, so they take turns",
    );
  });
});
