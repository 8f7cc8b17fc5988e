import { fitsIn, roomLeft, type Room } from '@nubo/core';

/** What one node holds: each live or starting worker's (and stem cell's) memory limit, against the node's capacity. */
export class NodeRoom {
  private readonly held = new Map<string, number>();

  constructor(readonly capacity: Room) {}

  used(): Room {
    let memoryMb = 0;
    for (const mb of this.held.values()) memoryMb += mb;
    return { workers: this.held.size, memoryMb };
  }

  /** Whether `count` more workers of `memoryMb` each fit. */
  fits(memoryMb: number, count = 1): boolean {
    return fitsIn({ workers: count, memoryMb: count * memoryMb }, roomLeft(this.capacity, this.used()));
  }

  hold(workerId: string, memoryMb: number): void {
    this.held.set(workerId, memoryMb);
  }

  release(workerId: string): void {
    this.held.delete(workerId);
  }

  get isEmpty(): boolean {
    return this.held.size === 0;
  }

  /** Workers holding room (live, starting, stem cells). */
  get count(): number {
    return this.held.size;
  }
}
