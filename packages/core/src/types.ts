import type { RuntimeId } from './runtimes.js';

/** A function's network: `egress` reaches the internet (never the platform), `none` has no network at all. */
export const networkAccessModes = ['egress', 'none'] as const;
export type NetworkAccess = (typeof networkAccessModes)[number];

export interface User {
  id: string;
  username: string;
  isAdmin: boolean;
  createdAt: number;
}

export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  /** The first characters of the key, shown so a user can tell keys apart. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A console sign-in: its token lives only in the browser's cookie (the catalog keeps its sha256). */
export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  /** The browser's User-Agent at sign-in, to tell sessions apart. */
  userAgent: string | null;
}

export interface FunctionLimits {
  memoryMb: number;
  timeoutMs: number;
  maxConcurrency: number;
  minWarm: number;
  idleTtlMs: number;
}

export interface FunctionRecord {
  id: string;
  ownerId: string;
  ownerName: string;
  name: string;
  public: boolean;
  activeVersion: number;
  createdAt: number;
  updatedAt: number;
}

/** How a version's asynchronous invocations (and schedules) run. */
export interface AsyncSettings {
  /** Tries after the first failed attempt (0–5). */
  maxRetries: number;
  /** Wait before the first retry; each later retry waits twice as long as the one before. */
  retryBackoffMs: number;
  /** An event not started this long after it was accepted is not run: status `expired`. */
  maxEventAgeMs: number;
  /** How many of the function's maxConcurrency workers its asynchronous work may take at once. */
  asyncConcurrency: number;
  /** Events waiting at most; past it an enqueue answers 429. */
  maxQueuedEvents: number;
  /** Another function of the same owner, invoked asynchronously with Lambda's destination record. */
  onSuccess: string | null;
  onFailure: string | null;
}

export interface FunctionVersion {
  functionId: string;
  version: number;
  runtime: RuntimeId;
  handler: string;
  codeDigest: string;
  codeSize: number;
  /** The code's size unpacked (what the code quota counts). */
  unpackedSize: number;
  env: Record<string, string>;
  limits: FunctionLimits;
  network: NetworkAccess;
  async: AsyncSettings;
  createdAt: number;
}

/** Everything a manager needs to start a worker for one function version. */
export interface WorkerSpec {
  functionId: string;
  functionName: string;
  version: number;
  runtime: RuntimeId;
  handler: string;
  codeDigest: string;
  env: Record<string, string>;
  network: NetworkAccess;
  memoryMb: number;
  timeoutMs: number;
  idleTtlMs: number;
  /** Idle workers of this version the reaper leaves in place. */
  minWarm: number;
  /** Started for calls that name this version by number while another one is active (its own pool lane). */
  pinned?: boolean;
}

/** A live worker as the pool and the gateway see it: where it is and what it runs. */
export interface WorkerInfo {
  id: string;
  /** `host:port` the gateway calls (the seed's `IP:Port`), or `unix:/path` of an isolated worker in embedded mode. */
  address: string;
  managerId: string;
  functionId: string;
  version: number;
  idleTtlMs: number;
  minWarm: number;
  startedAt: number;
  /** How long the cold start took, from request to ready. */
  initMs: number;
  /** Every call to the worker must carry this (generated per worker by its manager; the runtime refuses calls without it). */
  secret: string;
  /** Started as a stem cell and specialised for this function (its initMs is the specialisation's). */
  stemCell?: boolean;
  /** Its manager froze it while it was idle: whoever took it has it thawed before calling it. */
  frozen?: boolean;
  /** It serves the calls that name its version by number while another one is active (see poolKey). */
  pinned?: boolean;
}

export const invocationStatuses = ['ok', 'error', 'timeout', 'oom', 'crash', 'rejected'] as const;
export type InvocationStatus = (typeof invocationStatuses)[number];

/** What started an invocation: a synchronous call, an HTTP trigger, an asynchronous event, a schedule's tick. */
export const invocationTriggers = ['invoke', 'http', 'async', 'schedule'] as const;
export type InvocationTrigger = (typeof invocationTriggers)[number];

export interface InvocationRecord {
  requestId: string;
  /** The caller's own id for the call (x-nubo-correlation-id), or null. */
  correlationId: string | null;
  /** 1 for a synchronous call; an asynchronous event's retries are 2, 3, … under the same request id. */
  attempt: number;
  ownerId: string;
  functionId: string;
  functionName: string;
  version: number;
  trigger: InvocationTrigger;
  startedAt: number;
  durationMs: number;
  /** Cold start time (worker start until ready); null on a warm start. */
  initMs: number | null;
  cold: boolean;
  /** A cold start served by a stem cell (a pre-started runtime specialised for this function). */
  stemCell: boolean;
  queueMs: number;
  memoryUsedMb: number | null;
  memoryLimitMb: number;
  status: InvocationStatus;
  errorType: string | null;
  errorMessage: string | null;
  logs: string;
  logsTruncated: boolean;
  workerId: string | null;
}

export interface InvocationQuery {
  limit: number;
  /** Only records that started strictly before this time (ms since epoch). */
  before?: number;
  /** Only records that started at or after this time (ms since epoch). */
  since?: number;
  cold?: boolean;
  status?: InvocationStatus;
  version?: number;
  /** Only records whose captured output contains this text (any case). */
  text?: string;
  /** Only the records of calls made with this correlation id. */
  correlationId?: string;
}

/** One window of a function's invocations cut into equal buckets: [from, to) in steps of stepMs. */
export interface MetricsQuery {
  from: number;
  to: number;
  stepMs: number;
}

/** The invocations that started in [start, start + step): every number is computed by the store. */
export interface MetricsBucket {
  start: number;
  count: number;
  byStatus: Partial<Record<InvocationStatus, number>>;
  coldCount: number;
  /** Nearest-rank duration percentiles; null in an empty bucket. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Cold starts' init time (over the records that have one): nearest-rank median and largest. */
  initP50Ms: number | null;
  initMaxMs: number | null;
  /** Time waiting for a worker: nearest-rank median and largest. */
  queueP50Ms: number | null;
  queueMaxMs: number | null;
  /** The most memory any call used, and the largest limit, in the bucket. */
  memoryMaxMb: number | null;
  memoryLimitMb: number | null;
}

export interface InvocationStats {
  count: number;
  errorCount: number;
  coldCount: number;
  coldRatio: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  byStatus: Partial<Record<InvocationStatus, number>>;
}

/** Why a worker process or container ended, as its sandbox saw it. */
export interface WorkerExit {
  /** True if the worker had already ended before it was asked to stop. */
  exitedByItself: boolean;
  oom: boolean;
  exitCode: number | null;
  signal: string | null;
  /** The last lines the worker wrote to stderr, for crash reports. */
  stderrTail: string;
}
