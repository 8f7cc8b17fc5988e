/** A gateway as it announces itself: who and where it is, refreshed every heartbeat. */
export interface GatewayRecord {
  id: string;
  /** The address it listens on, as it sees it. */
  url: string;
  hostname: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
}

/** Where gateways announce themselves, so the admin can see them; nothing routes by it. */
export interface GatewayRegistry {
  readonly ttlMs: number;
  heartbeat(record: Omit<GatewayRecord, 'heartbeatAt'>): Promise<void>;
  deregister(id: string): Promise<void>;
  /** Gateways whose heartbeat is within the TTL, by start time. */
  alive(now?: number): Promise<GatewayRecord[]>;
}
