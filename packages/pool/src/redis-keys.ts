/**
 * The pool's Redis key layout (docs/architecture.md, "Redis keys"): the one place in TypeScript
 * that spells a key. Lua scripts derive the keys they find through data with the mirror in
 * lua/includes/keys.lua; a test checks that both spell every key alike.
 * `key` is a pool key, `{functionId}:{version}` (core's poolKey).
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** LIST of the idle worker addresses of one function version: the seed's list. */
  pool(key: string): string {
    return `${this.prefix}pool:${key}`;
  }

  /** SET of the addresses of every live (idle or leased) worker of one function version. */
  live(key: string): string {
    return `${this.prefix}live:${key}`;
  }

  /** ZSET of cold-start tickets of one function version, scored by the slot's deadline (ms). */
  starting(key: string): string {
    return `${this.prefix}starting:${key}`;
  }

  /** Pub/sub channel: a worker or a start slot of this function version came free. */
  freed(key: string): string {
    return `${this.prefix}freed:${key}`;
  }

  /** HASH describing one worker (WorkerInfo fields plus `key` and `lastUsedAt`). */
  worker(address: string): string {
    return `${this.prefix}worker:${address}`;
  }

  /** ZSET of one manager's idle worker addresses, scored by last use (ms). */
  idle(managerId: string): string {
    return `${this.prefix}idle:${managerId}`;
  }

  /** SET of the addresses of every worker one manager runs. */
  managerWorkers(managerId: string): string {
    return `${this.prefix}mworkers:${managerId}`;
  }

  /** ZSET of leased worker addresses, scored by lease deadline (ms). */
  get leases(): string {
    return `${this.prefix}leases`;
  }

  /** SET of retired pool keys (old versions, removed functions). */
  get retired(): string {
    return `${this.prefix}retired`;
  }

  /** SET of the ids of managers that are stopping. */
  get draining(): string {
    return `${this.prefix}draining`;
  }

  /** HASH of gateway id → JSON GatewayRecord (for the admin's view; nothing routes by it). */
  get gateways(): string {
    return `${this.prefix}gateways`;
  }

  /** HASH of manager id → JSON ManagerRecord. */
  get managers(): string {
    return `${this.prefix}managers`;
  }
}
