import type { RuntimeId } from '../runtimes.js';
import type { EvictionReason } from './manager-client.js';

/** A manager as the cluster sees it. */
export interface ManagerRecord {
  id: string;
  /** The manager API, e.g. http://127.0.0.2:7070. */
  url: string;
  /** The IP its workers are published on. */
  advertiseIp: string;
  /** Worker capacity and live plus starting workers. */
  capacity: number;
  running: number;
  memoryMb: number;
  memoryUsedMb: number;
  /** A stopping manager: gateways start no worker there but may still destroy its workers. */
  draining: boolean;
  /** The runtimes its sandbox runs. */
  runtimes: RuntimeId[];
  /**
   * Ready stem cells per kind (`stemKindId`) and the memory they hold; counted in `running` and
   * `memoryUsedMb`, though a cold start may take their room (absent from older managers).
   */
  stemCells?: Record<string, number>;
  stemMemoryMb?: number;
  /** Idle workers it removed so far, by why (absent from managers of older versions). */
  evictions?: Record<EvictionReason, number>;
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
