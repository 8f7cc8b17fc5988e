import { totalmem } from 'node:os';
import { z } from 'zod';
import { parseCidr } from './cidr.js';
import { NuboError } from './errors.js';
import type { Quotas } from './quotas.js';
import { runtimeIds, type RuntimeId } from './runtimes.js';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const MiB = 1024 * 1024;

const url = (...protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `use a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** A list of address ranges (`10.1.0.0/16,192.168.5.10`), each checked. */
const cidrList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .refine((parts) => parts.every((part) => parseCidr(part) !== null), 'use address ranges such as 10.1.0.0/16,192.168.5.10');

const hostPorts = z
  .string()
  .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'use host:port[,host:port...]')
  .transform((value) => value.split(',').map((pair) => ({ host: pair.split(':')[0]!, port: Number(pair.split(':')[1]) })));

/** Every NUBO_* variable the server reads, with its default. The README's table mirrors this. */
type Undotted<S extends string> = S extends `${infer A}.${infer B}` ? Undotted<`${A}${B}`> : S;
/** NUBO_IMAGE_<RUNTIME>: the Docker sandbox's worker image of each runtime (NUBO_IMAGE_NODE22, NUBO_IMAGE_PYTHON311). */
export type ImageVariable = `NUBO_IMAGE_${Uppercase<Undotted<RuntimeId>>}`;
export const imageVariableOf = (runtime: RuntimeId): ImageVariable =>
  `NUBO_IMAGE_${runtime.toUpperCase().replaceAll('.', '')}` as ImageVariable;
const imageSettings = Object.fromEntries(
  runtimeIds.map((runtime) => [imageVariableOf(runtime), z.string().min(1).optional()]),
) as Record<ImageVariable, z.ZodOptional<z.ZodString>>;

export const serverConfigSchema = z.object({
  NUBO_PORT: int(0, 65535).default(8080),
  NUBO_HOST: z.string().min(1).default('127.0.0.1'),
  /** HTTP triggers (tenants' content) are served on a listener of their own, never on the console's origin. */
  NUBO_TRIGGER_PORT: int(0, 65535).default(8081),
  NUBO_TRIGGER_HOST: z.string().min(1).optional(),
  /** The base URL clients reach HTTP triggers at: another host name than the console's (default http://localhost:<trigger port>). */
  NUBO_TRIGGER_URL: url('http:', 'https:').optional(),
  /** The console's and API's own public URL, when it differs from what requests say (behind a TLS proxy). */
  NUBO_PUBLIC_URL: url('http:', 'https:').optional(),
  NUBO_DATA_DIR: z.string().min(1).default('./.nubo'),
  NUBO_SANDBOX: z.enum(['process', 'docker']).default('process'),
  /** Process sandbox: isolate workers with bubblewrap (auto: when the machine can, else single-user mode). */
  NUBO_ISOLATION: z.enum(['auto', 'required', 'off']).default('auto'),
  NUBO_DOCKER_SOCKET: z.string().min(1).default('/var/run/docker.sock'),
  NUBO_WORKER_PORT_RANGE: z
    .string()
    .regex(/^\d+-\d+$/, 'use FROM-TO, e.g. 30000-39999')
    .transform((v) => ({ from: Number(v.split('-')[0]), to: Number(v.split('-')[1]) }))
    .refine((r) => r.from >= 1024 && r.to <= 65535 && r.from < r.to, 'use a range within 1024-65535')
    .default({ from: 30000, to: 39999 }),
  ...imageSettings,
  NUBO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NUBO_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  NUBO_ALLOW_SIGNUP: bool.default(true),
  /** Seals API keys so AWS SigV4 signatures can be checked; unset: a file in the data directory (SQLite catalog only). */
  NUBO_KEY_SEALING_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  NUBO_AUTH_RATE_PER_CLIENT: int(1, 1_000_000).default(30),
  NUBO_AUTH_RATE_PER_USERNAME: int(1, 1_000_000).default(10),
  NUBO_MAX_EVENT_BYTES: int(1024, 64 * MiB).default(6 * MiB),
  NUBO_MAX_CODE_BYTES: int(1024, 512 * MiB).default(50 * MiB),
  NUBO_MAX_CODE_UNZIPPED_BYTES: int(1024, 2048 * MiB).default(250 * MiB),
  NUBO_MAX_RESPONSE_BYTES: int(1024, 64 * MiB).default(6 * MiB),
  NUBO_MAX_LOG_BYTES: int(0, MiB).default(4096),
  NUBO_REAP_INTERVAL_MS: int(50, 3_600_000).default(5000),
  NUBO_DEFAULT_MEMORY_MB: int(64, 10240).default(256),
  NUBO_DEFAULT_TIMEOUT_MS: int(100, 900_000).default(30_000),
  NUBO_DEFAULT_IDLE_TTL_MS: int(1000, 86_400_000).default(600_000),
  NUBO_DEFAULT_MAX_CONCURRENCY: int(1, 10_000).default(100),
  /** How long a request waits for a worker at maxConcurrency; unset = up to the function's timeout. */
  NUBO_MAX_QUEUE_WAIT_MS: int(0, 900_000).optional(),
  /** A worker's lease outlives its function's timeout by this much before a manager reclaims it. */
  NUBO_LEASE_MARGIN_MS: int(100, 3_600_000).default(30_000),

  // Distributed mode: each store whose URL is unset falls back to its embedded adapter.
  NUBO_REDIS_URL: url('redis:', 'rediss:').optional(),
  NUBO_REDIS_SENTINELS: hostPorts.optional(),
  NUBO_REDIS_MASTER: z.string().min(1).default('nubo-primary'),
  NUBO_REDIS_PASSWORD: z.string().optional(),
  NUBO_REDIS_PREFIX: z.string().min(1).default('nubo:'),
  NUBO_MYSQL_URL: url('mysql:', 'mariadb:').optional(),
  NUBO_MONGO_URL: url('mongodb:', 'mongodb+srv:').optional(),
  NUBO_MONGO_DB: z.string().min(1).default('nubo'),
  NUBO_LOG_RETENTION_DAYS: int(1, 3650).optional(),
  NUBO_LOG_BUFFER_MAX: int(10, 10_000_000).default(50_000),
  NUBO_LOG_BATCH_MS: int(1, 60_000).default(250),
  NUBO_S3_ENDPOINT: url('http:', 'https:').optional(),
  NUBO_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'use an S3 bucket name (lowercase letters, digits, "." and "-")')
    .default('nubo-code'),
  NUBO_S3_REGION: z.string().min(1).default('us-east-1'),
  NUBO_S3_ACCESS_KEY_ID: z.string().optional(),
  NUBO_S3_SECRET_ACCESS_KEY: z.string().optional(),
  NUBO_S3_FORCE_PATH_STYLE: bool.default(true),
  NUBO_CLUSTER_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  NUBO_MANAGER_URL: url('http:').optional(),
  NUBO_MANAGER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use letters, digits, ".", "_" and "-"')
    .optional(),
  NUBO_ADVERTISE_IP: z.ipv4().optional(),
  NUBO_MANAGER_CAPACITY: int(1, 100_000).default(200),
  /** The memory limits of one manager's workers add up to at most this; default 80 % of the machine. */
  NUBO_MANAGER_MEMORY_MB: int(64, 16 * MiB).default(Math.floor((totalmem() / MiB) * 0.8)),
  NUBO_MANAGER_MAX_STARTS: int(1, 1000).default(8),
  /** Private and link-local ranges functions with egress may reach all the same (all are blocked otherwise). */
  NUBO_EGRESS_ALLOW: cidrList.default([]),
  NUBO_STEM_CELLS: int(0, 64).default(1),
  NUBO_STEM_CELL_REFILL_MS: int(0, 3_600_000).default(0),
  /** An idle worker unused this long is frozen until its next call (a function computes only while it serves one). */
  NUBO_FREEZE_AFTER_MS: int(10, 3_600_000).default(100),
  /** On SIGTERM, busy workers get this long to finish before they are stopped anyway. */
  NUBO_DRAIN_TIMEOUT_MS: int(0, 900_000).default(25_000),
  NUBO_PREWARM_INTERVAL_MS: int(100, 3_600_000).default(1000),
  NUBO_HEARTBEAT_MS: int(100, 60_000).default(1000),
  NUBO_ASYNC_RETENTION_MS: int(60_000, 30 * 86_400_000).default(86_400_000),
  NUBO_ASYNC_DEAD_LETTER_RETENTION_MS: int(60_000, 365 * 86_400_000).default(14 * 86_400_000),
  NUBO_ASYNC_MAX_RESULT_BYTES: int(0, 64 * MiB).default(256 * 1024),
  NUBO_ASYNC_LOCK_MS: int(1000, 3_600_000).default(30_000),
  NUBO_SCHEDULE_MAX_LAG_MS: int(1000, 86_400_000).default(60_000),
  // Each user's quotas unless the admin sets others (quotas.ts).
  NUBO_QUOTA_FUNCTIONS: int(0, 1_000_000).default(100),
  NUBO_QUOTA_VERSIONS_PER_FUNCTION: int(1, 100_000).default(50),
  NUBO_QUOTA_CODE_MB: int(0, 10_000_000).default(2048),
  NUBO_QUOTA_WARM_MEMORY_MB: int(0, 100_000_000).default(2048),
  NUBO_QUOTA_QUEUED_EVENTS: int(0, 100_000_000).default(10_000),
  NUBO_QUOTA_QUEUED_MB: int(0, 1_000_000).default(256),
  NUBO_QUOTA_SCHEDULES: int(0, 1_000_000).default(100),
  NUBO_QUOTA_SCHEDULE_MIN_INTERVAL_S: int(1, 86_400).default(60),
  NUBO_QUOTA_LOG_TAILS: int(0, 10_000).default(5),
  NUBO_QUOTA_API_KEYS: int(1, 1_000_000).default(100),
  NUBO_MANAGER_TTL_MS: int(300, 600_000).default(5000),
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** Every user's quotas unless the admin sets others. */
export function defaultQuotas(config: ServerConfig): Quotas {
  return {
    functions: config.NUBO_QUOTA_FUNCTIONS,
    versionsPerFunction: config.NUBO_QUOTA_VERSIONS_PER_FUNCTION,
    codeMb: config.NUBO_QUOTA_CODE_MB,
    warmMemoryMb: config.NUBO_QUOTA_WARM_MEMORY_MB,
    queuedEvents: config.NUBO_QUOTA_QUEUED_EVENTS,
    queuedMb: config.NUBO_QUOTA_QUEUED_MB,
    schedules: config.NUBO_QUOTA_SCHEDULES,
    scheduleMinIntervalS: config.NUBO_QUOTA_SCHEDULE_MIN_INTERVAL_S,
    logTails: config.NUBO_QUOTA_LOG_TAILS,
    apiKeys: config.NUBO_QUOTA_API_KEYS,
  };
}

/** Validates the environment; the error names every bad variable and what it should be. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('NUBO_') && v !== ''));
  const parsed = serverConfigSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      // Values of URLs, tokens and keys may hold secrets: name the variable only.
      const secret = /URL|TOKEN|SECRET|PASSWORD/.test(name);
      return secret ? `${name}: ${issue.message}` : `${name}=${JSON.stringify(env[name])}: ${issue.message}`;
    });
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      `Invalid configuration: ${problems.join('; ')}. Fix the variable and start again.`,
    );
  }
  const { NUBO_TRIGGER_URL: triggers, NUBO_PUBLIC_URL: publicUrl } = parsed.data;
  if (triggers && publicUrl && new URL(triggers).hostname === new URL(publicUrl).hostname)
    throw new NuboError(
      'NUBO_ERR_CONFIG_INVALID',
      `Invalid configuration: NUBO_TRIGGER_URL=${JSON.stringify(triggers)} has the same host name as NUBO_PUBLIC_URL: tenants' pages would share the console's cookies. Serve HTTP triggers under another host name (best another domain), and start again.`,
    );
  return parsed.data;
}
