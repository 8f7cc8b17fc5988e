import type { Room } from '../room.js';
import type { RuntimeId } from '../runtimes.js';
import type { EvictionReason } from './manager-client.js';

/** A manager as the cluster sees it. */
export interface ManagerRecord {
  id: string;
  /** The manager API, e.g. http://127.0.0.2:7070. */
  url: string;
  /** The IP its workers are published on. */
  advertiseIp: string;
  /** What it can hold, and what its live plus starting workers (stem cells included) take. */
  capacity: Room;
  used: Room;
  /** A stopping manager: gateways start no worker there but may still destroy its workers. */
  draining: boolean;
  /** The runtimes its sandbox runs. */
  runtimes: RuntimeId[];
  /** Ready stem cells per kind (`stemKindId`) and the room they hold: counted in `used`, though a cold start may take it. */
  stems: { byKind: Record<string, number>; room: Room };
  /** Idle workers it removed so far, by why. */
  evictions: Record<EvictionReason, number>;
  heartbeatAt: number;
}

/** Where managers announce themselves and gateways find them. */
export interface ManagerRegistry {
  readonly ttlMs: number;
  heartbeat(record: Omit<ManagerRecord, 'heartbeatAt'>): Promise<void>;
  deregister(id: string): Promise<void>;
  all(): Promise<ManagerRecord[]>;
  /** Managers whose heartbeat is within the TTL. */
  alive(now?: number): Promise<ManagerRecord[]>;
  /** Managers whose heartbeat stopped. */
  dead(now?: number): Promise<ManagerRecord[]>;
}
