import { z } from 'zod';
import {
  asyncBounds,
  asyncStatuses,
  invocationStatuses,
  invocationTriggers,
  lambdaRuntimeAliases,
  maxMetricsBuckets,
  networkAccessModes,
  quotaMeanings,
  quotaNames,
  runtimeIds,
  type QuotaName,
} from '@nubo/core';

/** The request and response shapes of the HTTP API: they validate requests and generate /openapi.json. */

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }).catchall(z.unknown()),
});

export const credentialsSchema = z.object({
  username: z.string().min(1).max(64).describe('lowercase letters, digits, "_" and "-", 2 to 32 characters'),
  password: z.string().min(8, 'use at least 8 characters').max(1024),
});

export const userSchema = z.object({ id: z.string(), username: z.string(), isAdmin: z.boolean(), createdAt: z.number() });

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
});

export const issuedKeySchema = z.object({
  user: userSchema,
  apiKey: z.string().describe('shown once; store it'),
  keyId: z.string(),
});

export const sessionSchema = z.object({
  id: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  lastUsedAt: z.number().nullable(),
  userAgent: z.string().nullable(),
  /** The session this very request came with. */
  current: z.boolean(),
});
export const sessionIdParamsSchema = z.object({ id: z.string() });

export const newKeyRequestSchema = z.object({ name: z.string().min(1).max(64).default('api') });

export const functionNameParamsSchema = z.object({ name: z.string() });
export const keyIdParamsSchema = z.object({ id: z.string() });

const bounded = (b: { min: number; max: number }) => z.number().int().min(b.min).max(b.max);

export const scheduleNamePattern = /^[A-Za-z0-9_-]{1,64}$/;

export const scheduleBodySchema = z
  .object({
    cron: z.string().min(1).max(200).describe('five fields (minute precision) or six (seconds first), e.g. "*/5 * * * *"'),
    timezone: z.string().min(1).max(64).default('UTC').describe('IANA time zone, e.g. Europe/Berlin'),
    event: z.unknown().default({}).describe('the event each tick invokes the function with'),
  })
  .strict();

export const scheduleSchema = z.object({ name: z.string(), cron: z.string(), timezone: z.string(), event: z.unknown() });

export const deployRequestSchema = z
  .object({
    runtime: z.string().describe(`${runtimeIds.join(', ')}; or Lambda's ${Object.keys(lambdaRuntimeAliases).join(', ')}`),
    handler: z.string().describe('<file>.<export>, e.g. index.handler'),
    code: z.union([
      z.object({ zip: z.string().describe('base64 of a zip archive of the code directory') }).strict(),
      z.object({ files: z.record(z.string(), z.string()).describe('path → file content (UTF-8)') }).strict(),
    ]),
    env: z.record(z.string(), z.string()).default({}),
    memoryMb: z.number().int().min(64).max(10240).optional(),
    timeoutMs: z.number().int().min(100).max(900_000).optional(),
    maxConcurrency: z.number().int().min(1).max(10_000).optional(),
    minWarm: z.number().int().min(0).max(100).optional(),
    idleTtlMs: z.number().int().min(1000).max(86_400_000).optional(),
    network: z
      .enum(networkAccessModes)
      .default('egress')
      .describe('egress: outbound network (never the platform); none: no network'),
    public: z.boolean().default(false),
    maxRetries: bounded(asyncBounds.maxRetries).optional().describe('retries of a failed async event (default 2)'),
    retryBackoffMs: bounded(asyncBounds.retryBackoffMs)
      .optional()
      .describe('wait before the first retry, doubling after (default 1000)'),
    maxEventAgeMs: bounded(asyncBounds.maxEventAgeMs)
      .optional()
      .describe('an async event not started by then expires (default 6 h)'),
    asyncConcurrency: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('workers async work may take at once (≤ maxConcurrency; default half of it)'),
    maxQueuedEvents: bounded(asyncBounds.maxQueuedEvents)
      .optional()
      .describe('waiting async events at most; past it 429 (default 10000)'),
    onSuccess: z.string().nullable().optional().describe("a function of yours invoked with Lambda's destination record"),
    onFailure: z.string().nullable().optional(),
    schedules: z
      .array(scheduleBodySchema.extend({ name: z.string().regex(scheduleNamePattern, 'use 1–64 letters, digits, _ or -') }))
      .max(100)
      .optional()
      .describe("replaces the function's schedules; leave out to keep them"),
  })
  .strict();

export const asyncSettingsSchema = z.object({
  maxRetries: z.number(),
  retryBackoffMs: z.number(),
  maxEventAgeMs: z.number(),
  asyncConcurrency: z.number(),
  maxQueuedEvents: z.number(),
  onSuccess: z.string().nullable(),
  onFailure: z.string().nullable(),
});

export const limitsSchema = z.object({
  memoryMb: z.number(),
  timeoutMs: z.number(),
  maxConcurrency: z.number(),
  minWarm: z.number(),
  idleTtlMs: z.number(),
});

export const versionSchema = z.object({
  version: z.number(),
  runtime: z.string(),
  handler: z.string(),
  codeDigest: z.string(),
  codeSize: z.number(),
  envNames: z.array(z.string()),
  limits: limitsSchema,
  network: z.enum(networkAccessModes),
  async: asyncSettingsSchema,
  createdAt: z.number(),
  warnings: z.array(z.string()).describe('e.g. a runtime past its end of life'),
});

export const functionSchema = z.object({
  name: z.string(),
  owner: z.string(),
  public: z.boolean(),
  activeVersion: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  invokeUrl: z.string(),
  triggerUrl: z.string(),
});

export const functionDetailSchema = functionSchema.extend({
  id: z.string().describe('internal id; pool keys are {id}:{version}'),
  runtime: z.string(),
  handler: z.string(),
  limits: limitsSchema,
  network: z.enum(networkAccessModes),
  async: asyncSettingsSchema,
  schedules: z.array(scheduleSchema),
  envNames: z.array(z.string()),
  warnings: z.array(z.string()).describe("the active version's, e.g. a runtime past its end of life"),
  liveWorkers: z.number(),
  warmShortfall: z.number().describe('idle workers of the warm floor (minWarm) the managers have no room for now'),
  versions: z.array(versionSchema),
});

export const deployResponseSchema = z.object({
  function: functionSchema,
  version: versionSchema,
  created: z.boolean(),
  removedVersions: z.array(z.number()).describe('old versions removed to keep your quota versionsPerFunction'),
});
export const versionParamsSchema = z.object({ name: z.string(), version: z.coerce.number().int().min(1) });

const quotaShape = Object.fromEntries(quotaNames.map((name) => [name, z.number().describe(quotaMeanings[name])])) as Record<
  QuotaName,
  z.ZodNumber
>;
export const quotasSchema = z.object(quotaShape);
export const quotaUsageSchema = quotasSchema.omit({ scheduleMinIntervalS: true });
export const quotaReportSchema = z.object({ limits: quotasSchema, usage: quotaUsageSchema });
export const adminQuotaReportSchema = quotaReportSchema.extend({
  username: z.string(),
  overrides: quotasSchema.partial().describe('what the admin set for this user; the rest are the defaults'),
  defaults: quotasSchema.describe('every user’s quotas unless the admin sets others (NUBO_QUOTA_*)'),
});
/** A number sets a user's quota; null puts it back to the default. */
export const quotaChangeSchema = z
  .object(
    Object.fromEntries(
      quotaNames.map((name) => [name, z.number().int().min(0).max(1_000_000_000).nullable().optional()]),
    ) as Record<QuotaName, z.ZodOptional<z.ZodNullable<z.ZodNumber>>>,
  )
  .strict();
export const usernameParamsSchema = z.object({ username: z.string() });

export const invocationSchema = z.object({
  requestId: z.string(),
  correlationId: z.string().nullable().describe("the caller's own id for the call (x-nubo-correlation-id)"),
  attempt: z.number().describe("1; an asynchronous event's retries count on"),
  functionName: z.string(),
  version: z.number(),
  trigger: z.enum(invocationTriggers),
  startedAt: z.number(),
  durationMs: z.number(),
  initMs: z.number().nullable(),
  cold: z.boolean(),
  stemCell: z.boolean().describe('a cold start served by a pre-started stem cell'),
  queueMs: z.number(),
  memoryUsedMb: z.number().nullable(),
  memoryLimitMb: z.number(),
  status: z.enum(invocationStatuses),
  errorType: z.string().nullable(),
  errorMessage: z.string().nullable(),
  logs: z.string(),
  logsTruncated: z.boolean(),
  workerId: z.string().nullable(),
});

export const logsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  before: z.coerce.number().int().min(0).optional().describe('only invocations that started before this time (ms since epoch)'),
  since: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('only invocations that started at or after this time (ms since epoch)'),
  cold: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  status: z.enum(invocationStatuses).optional(),
  version: z.coerce.number().int().min(1).optional(),
  text: z.string().min(1).max(200).optional().describe('only invocations whose captured output contains this text (any case)'),
  correlationId: z.string().min(1).max(128).optional().describe('only the calls made with this x-nubo-correlation-id'),
});

export const metricsQuerySchema = z.object({
  from: z.coerce.number().int().min(0).optional().describe('window start, ms since epoch (default: an hour before `to`)'),
  to: z.coerce.number().int().min(0).optional().describe('window end, ms since epoch (default: now)'),
  step: z.coerce
    .number()
    .int()
    .min(1000)
    .optional()
    .describe(`bucket width in ms (default 60000); at most ${maxMetricsBuckets} buckets`),
});

export const metricsBucketSchema = z.object({
  start: z.number(),
  count: z.number(),
  byStatus: z.record(z.string(), z.number()),
  coldCount: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  initP50Ms: z.number().nullable().describe("cold starts' init time, median"),
  initMaxMs: z.number().nullable(),
  queueP50Ms: z.number().nullable().describe('time waiting for a worker, median'),
  queueMaxMs: z.number().nullable(),
  memoryMaxMb: z.number().nullable().describe('the most memory one call used'),
  memoryLimitMb: z.number().nullable(),
});

export const metricsSchema = z.object({
  name: z.string(),
  from: z.number(),
  to: z.number(),
  stepMs: z.number(),
  buckets: z.array(metricsBucketSchema),
});

export const statsSchema = z.object({
  name: z.string(),
  count: z.number(),
  errorCount: z.number(),
  coldCount: z.number(),
  coldRatio: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  byStatus: z.record(z.string(), z.number()),
});

export const requestIdParamsSchema = z.object({ requestId: z.string() });
export const triggerParamsSchema = z.object({ owner: z.string(), name: z.string(), '*': z.string().optional() });

const attemptSchema = z.object({
  attempt: z.number(),
  status: z.string(),
  startedAt: z.number(),
  durationMs: z.number().nullable(),
  errorType: z.string().nullable(),
  errorMessage: z.string().nullable(),
});

export const asyncInvocationSchema = z.object({
  requestId: z.string(),
  correlationId: z.string().nullable(),
  functionName: z.string(),
  trigger: z.enum(['async', 'schedule']),
  scheduleName: z.string().nullable(),
  status: z.enum(asyncStatuses),
  acceptedAt: z.number(),
  runAt: z.number().nullable().describe('when the next attempt may start (queued)'),
  finishedAt: z.number().nullable(),
  attempts: z.array(attemptSchema),
  result: z.unknown().optional(),
  resultDropped: z.boolean().optional().describe('the result was larger than NUBO_ASYNC_MAX_RESULT_BYTES and not kept'),
  error: z.object({ type: z.string(), message: z.string() }).optional(),
  deadLetter: z.boolean(),
});

export const queuedAnswerSchema = z.object({
  requestId: z.string(),
  status: z.enum(asyncStatuses),
  duplicate: z.boolean().describe('an earlier event with this idempotency key: nothing new was queued'),
});

export const deadLetterParamsSchema = z.object({ name: z.string(), requestId: z.string() });
export const scheduleParamsSchema = z.object({ name: z.string(), schedule: z.string() });
export const deadLettersQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

export const liveWorkerSchema = z.object({
  id: z.string(),
  address: z.string(),
  managerId: z.string(),
  version: z.number(),
  state: z.enum(['idle', 'busy']),
  startedAt: z.number(),
  lastUsedAt: z.number(),
  initMs: z.number(),
});

const managerViewSchema = z.object({
  id: z.string(),
  capacity: z.object({ workers: z.number(), memoryMb: z.number() }),
  used: z.object({ workers: z.number(), memoryMb: z.number() }),
  draining: z.boolean(),
  evictions: z.record(z.string(), z.number()),
});

export const clusterSchema = z.object({
  managers: z.array(managerViewSchema),
  gateways: z.array(
    z.object({
      id: z.string(),
      url: z.string(),
      hostname: z.string(),
      pid: z.number(),
      startedAt: z.number(),
      heartbeatAt: z.number(),
    }),
  ),
  functions: z.array(
    z.object({
      owner: z.string(),
      name: z.string(),
      activeVersion: z.number(),
      liveWorkers: z.number(),
      idleWorkers: z.number(),
    }),
  ),
  totals: z.object({
    managers: z.number(),
    gateways: z.number(),
    draining: z.number(),
    workers: z.number(),
    memoryMb: z.number(),
    memoryUsedMb: z.number(),
    liveWorkers: z.number(),
    idleWorkers: z.number(),
  }),
});

export const adminUserSchema = userSchema.extend({ functions: z.number() });

export const runtimeSchema = z.object({
  id: z.enum(runtimeIds),
  available: z.boolean().describe('a live manager can run it now'),
  deprecation: z.string().nullable(),
});
