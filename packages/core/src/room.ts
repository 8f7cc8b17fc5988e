/**
 * Workers and the memory their limits add up to: what a node can hold, what it holds, what stem
 * cells or a warm floor reserve. One shape from the manager through its heartbeat to placement,
 * the cluster view and warm-floor reservations.
 */
export interface Room {
  workers: number;
  memoryMb: number;
}

export const noRoom: Room = { workers: 0, memoryMb: 0 };

export function sumRooms(rooms: Iterable<Room>): Room {
  let workers = 0;
  let memoryMb = 0;
  for (const room of rooms) {
    workers += room.workers;
    memoryMb += room.memoryMb;
  }
  return { workers, memoryMb };
}

/** What is left of `capacity` once `used` is taken (negative where it is overbooked). */
export function roomLeft(capacity: Room, used: Room): Room {
  return { workers: capacity.workers - used.workers, memoryMb: capacity.memoryMb - used.memoryMb };
}

export function fitsIn(wanted: Room, free: Room): boolean {
  return wanted.workers <= free.workers && wanted.memoryMb <= free.memoryMb;
}
