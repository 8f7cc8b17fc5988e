/** A manager as the cluster sees it. */
export interface ManagerRecord {
  id: string;
  /** The manager API, e.g. http://127.0.0.2:7070. */
  url: string;
  /** The IP its workers are published on. */
  advertiseIp: string;
  capacity: number;
  running: number;
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
