import { z } from 'zod';
import { evictionReasons, networkAccessModes, runtimeIds, type WorkerExit, type WorkerInfo, type WorkerSpec } from '@nubo/core';

/**
 * The gateway ↔ manager contract (docs/architecture.md, "Manager API"): routes and the shapes both
 * the manager server validates and its client parses. Every call carries the cluster token as
 * `Authorization: Bearer <NUBO_CLUSTER_TOKEN>`; errors are `{error: {code, message, errorType?}}`.
 */
export const managerRoutes = {
  /** POST {spec} → 201 WorkerInfo (the worker's IP:Port, ready). */
  startWorker: '/v1/workers',
  /** DELETE ?graceMs=N → 200 {exit}. */
  destroyWorker: '/v1/workers/:id',
  /** POST → 204 once the worker, frozen while idle, runs again. */
  thawWorker: '/v1/workers/:id/thaw',
  /** GET → ManagerStatus. */
  status: '/v1/status',
  /** DELETE → 204: no version uses this code any more; the node removes its unpacked copy. */
  dropCode: '/v1/code/:digest',
} as const;

export const codePath = (digest: string) => managerRoutes.dropCode.replace(':digest', digest);
export const codeDigestParamsSchema = z.object({ digest: z.string().regex(/^[0-9a-f]{64}$/) });

export const workerPath = (workerId: string) => managerRoutes.destroyWorker.replace(':id', encodeURIComponent(workerId));
export const thawPath = (workerId: string) => managerRoutes.thawWorker.replace(':id', encodeURIComponent(workerId));

/** A manager stops waiting for a dying worker after this, whatever a caller asks. */
export const maxGraceMs = 10_000;

export const workerSpecSchema = z.object({
  functionId: z.string().min(1),
  functionName: z.string().min(1),
  version: z.number().int().min(1),
  runtime: z.enum(runtimeIds),
  handler: z.string().min(1),
  codeDigest: z.string().regex(/^[0-9a-f]{64}$/),
  env: z.record(z.string(), z.string()),
  network: z.enum(networkAccessModes),
  memoryMb: z.number().int().min(1),
  timeoutMs: z.number().int().min(1),
  idleTtlMs: z.number().int().min(0),
  minWarm: z.number().int().min(0),
  pinned: z.boolean().optional(),
});

export const startWorkerBodySchema = z.object({
  spec: workerSpecSchema,
  /** Whether room may be made by evicting idle workers above their warm floor (prewarming: false). */
  evict: z.boolean().default(true),
});

export const workerInfoSchema = z.object({
  id: z.string(),
  address: z.string(),
  managerId: z.string(),
  functionId: z.string(),
  version: z.number(),
  idleTtlMs: z.number(),
  minWarm: z.number(),
  startedAt: z.number(),
  initMs: z.number(),
  secret: z.string(),
  stemCell: z.boolean().optional(),
  frozen: z.boolean().optional(),
  pinned: z.boolean().optional(),
});

export const workerIdParamsSchema = z.object({ id: z.string().min(1) });
export const destroyQuerySchema = z.object({ graceMs: z.coerce.number().int().min(0).optional() });

export const workerExitSchema = z.object({
  exitedByItself: z.boolean(),
  oom: z.boolean(),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  stderrTail: z.string(),
});
export const destroyReplySchema = z.object({ exit: workerExitSchema.nullable() });

const roomSchema = z.object({ workers: z.number(), memoryMb: z.number() });
export const managerStatusSchema = z.object({
  id: z.string(),
  /** Its functions' live workers (stem cells and starts left out). */
  running: z.number(),
  capacity: roomSchema,
  used: roomSchema,
  starting: z.number(),
  peakStarting: z.number(),
  stems: z.object({ byKind: z.record(z.string(), z.number()), room: roomSchema }),
  draining: z.boolean(),
  evictions: z.record(z.enum(evictionReasons), z.number()),
});

export const managerErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), errorType: z.string().optional() }).catchall(z.unknown()),
});

// The wire shapes are the domain types: a change to one that the other lacks does not compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const contractMatches: [
  Same<z.infer<typeof workerSpecSchema>, WorkerSpec>,
  Same<z.infer<typeof workerInfoSchema>, WorkerInfo>,
  Same<z.infer<typeof workerExitSchema>, WorkerExit>,
] = [true, true, true];
void contractMatches;
