import type { ManagerRecord } from '@nubo/core';

const freeSlots = (m: ManagerRecord) => m.capacity - m.running;
const freeMemoryMb = (m: ManagerRecord) => m.memoryMb - m.memoryUsedMb;

/**
 * The order in which a cold start tries managers: draining ones never; the most free worker slots
 * first, then the most free memory. Managers with equal room take turns being first (`turn` is a
 * counter the caller advances per start), so equal nodes share the load. Pure: same input, same order.
 */
export function placementOrder(managers: readonly ManagerRecord[], turn: number): ManagerRecord[] {
  const sorted = managers
    .filter((m) => !m.draining)
    .sort((a, b) => freeSlots(b) - freeSlots(a) || freeMemoryMb(b) - freeMemoryMb(a) || a.id.localeCompare(b.id));
  const ordered: ManagerRecord[] = [];
  for (let start = 0; start < sorted.length; ) {
    let end = start + 1;
    while (
      end < sorted.length &&
      freeSlots(sorted[end]!) === freeSlots(sorted[start]!) &&
      freeMemoryMb(sorted[end]!) === freeMemoryMb(sorted[start]!)
    )
      end += 1;
    const tied = sorted.slice(start, end);
    const shift = turn % tied.length;
    ordered.push(...tied.slice(shift), ...tied.slice(0, shift));
    start = end;
  }
  return ordered;
}
