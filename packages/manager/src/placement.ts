import { roomLeft, sumRooms, type ManagerRecord, type Room } from '@nubo/core';

// A ready stem cell holds room only until a worker needs it, so its room counts as free.
const free = (m: ManagerRecord): Room => sumRooms([roomLeft(m.capacity, m.used), m.stems.room]);
const freeSlots = (m: ManagerRecord) => free(m).workers;
const freeMemoryMb = (m: ManagerRecord) => free(m).memoryMb;

/**
 * The order in which a cold start tries managers: draining ones never; those holding a ready stem
 * cell of the start's kind (`stemKind`, from `stemKindId`) first, as their cold start is the fast
 * one; then the most free worker slots, then the most free memory. Managers with equal room take
 * turns being first (`turn` is a counter the caller advances per start), so equal nodes share the
 * load. Pure: same input, same order.
 */
export function placementOrder(managers: readonly ManagerRecord[], turn: number, stemKind?: string): ManagerRecord[] {
  const holds = (m: ManagerRecord) => stemKind !== undefined && (m.stems.byKind[stemKind] ?? 0) > 0;
  const withStem = managers.filter((m) => holds(m));
  if (withStem.length > 0 && withStem.length < managers.length)
    return [
      ...placementOrder(withStem, turn),
      ...placementOrder(
        managers.filter((m) => !holds(m)),
        turn,
      ),
    ];
  return byRoom(managers, turn);
}

function byRoom(managers: readonly ManagerRecord[], turn: number): ManagerRecord[] {
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
