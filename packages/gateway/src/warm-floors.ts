import { NuboError, type DeployedVersion, type ManagerLoadView } from '@nubo/core';

/** Workers and memory: of the cluster, or of warm floors. */
export interface Room {
  workers: number;
  memoryMb: number;
}

/** What the live managers that take workers can hold (a draining manager is leaving). */
export function clusterRoom(loads: ManagerLoadView[]): Room {
  const taking = loads.filter((load) => !load.draining);
  return {
    workers: taking.reduce((sum, load) => sum + load.capacity.workers, 0),
    memoryMb: taking.reduce((sum, load) => sum + load.capacity.memoryMb, 0),
  };
}

/** A warm floor: minWarm workers of memoryMb each. */
export function floorOf(limits: { minWarm: number; memoryMb: number }): Room {
  return { workers: limits.minWarm, memoryMb: limits.minWarm * limits.memoryMb };
}

/** The floors reserved by the active versions of every function but one (the one being deployed). */
export function reservedFloors(targets: DeployedVersion[], exceptFunctionId: string | null): Room {
  const floors = targets.filter(({ fn }) => fn.id !== exceptFunctionId).map(({ version }) => floorOf(version.limits));
  return {
    workers: floors.reduce((sum, floor) => sum + floor.workers, 0),
    memoryMb: floors.reduce((sum, floor) => sum + floor.memoryMb, 0),
  };
}

/**
 * minWarm is a reservation: a floor is accepted only if it fits in the cluster's room on top of the
 * floors already reserved. With no manager alive there is nothing to check against (the deploy's
 * probe start answers 503 then).
 */
export function assertFloorFits(wanted: Room, reserved: Room, room: Room, reveal: boolean): void {
  if (wanted.workers === 0 || room.workers === 0) return;
  const free = { workers: room.workers - reserved.workers, memoryMb: room.memoryMb - reserved.memoryMb };
  if (wanted.workers <= free.workers && wanted.memoryMb <= free.memoryMb) return;
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
