import { NuboError, fitsIn, roomLeft, sumRooms, type DeployedVersion, type ManagerLoadView, type Room } from '@nubo/core';

/** What the live managers that take workers can hold (a draining manager is leaving). */
export function clusterRoom(loads: ManagerLoadView[]): Room {
  return sumRooms(loads.filter((load) => !load.draining).map((load) => load.capacity));
}

/** A warm floor: minWarm workers of memoryMb each. */
export function floorOf(limits: { minWarm: number; memoryMb: number }): Room {
  return { workers: limits.minWarm, memoryMb: limits.minWarm * limits.memoryMb };
}

/** The floors reserved by the active versions of every function but one (the one being deployed). */
export function reservedFloors(targets: DeployedVersion[], exceptFunctionId: string | null): Room {
  return sumRooms(targets.filter(({ fn }) => fn.id !== exceptFunctionId).map(({ version }) => floorOf(version.limits)));
}

/**
 * minWarm is a reservation: a floor is accepted only if it fits in the cluster's room on top of the
 * floors already reserved. With no manager alive there is nothing to check against (the deploy's
 * probe start answers 503 then).
 */
export function assertFloorFits(wanted: Room, reserved: Room, room: Room, reveal: boolean): void {
  if (wanted.workers === 0 || room.workers === 0) return;
  const free = roomLeft(room, reserved);
  if (fitsIn(wanted, free)) return;
  // What is free tells what the other tenants reserve: the admin alone is told.
  if (!reveal)
    throw new NuboError(
      'NUBO_ERR_DEPLOY_NO_WARM_CAPACITY',
      `minWarm ${wanted.workers} needs ${wanted.memoryMb} MB and ${wanted.workers} workers of warm floor, and the managers have no room left for it now: lower minWarm or memoryMb, or ask the admin to add room.`,
    );
  throw new NuboError(
    'NUBO_ERR_DEPLOY_NO_WARM_CAPACITY',
    `minWarm ${wanted.workers} needs ${wanted.memoryMb} MB and ${wanted.workers} workers of warm floor, but only ${Math.max(0, free.memoryMb)} MB and ${Math.max(0, free.workers)} workers are free: the managers hold ${room.memoryMb} MB and ${room.workers} workers, and other functions' warm floors reserve ${reserved.memoryMb} MB and ${reserved.workers} workers. Lower minWarm or memoryMb, or add room (another manager, NUBO_MANAGER_MEMORY_MB, NUBO_MANAGER_CAPACITY).`,
    { free, reserved, room },
  );
}
