import type { ApiKey, InvocationRecord as CoreInvocationRecord, MetricsBucket, QuotaName, Quotas, User } from '@nubo/core';

export type { ApiKey, MetricsBucket, QuotaName, Quotas, User };

/** The console talks to the public API only, with its session cookie and the header that proves it is the console. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when a request finds the session gone (401): the app shows the sign-in page. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export interface Answer<T> {
  body: T;
  headers: Headers;
  status: number;
}

/** `answerErrors`: an error status is answered (its body shown), not thrown — an invocation's failure is a result. */
export async function call<T>(method: string, path: string, body?: unknown, { answerErrors = false } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { 'x-nubo-console': '1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : null;
  if (!response.ok && !answerErrors) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    if (response.status === 401 && !path.startsWith('/v1/auth/session')) onSignedOut();
    throw new ApiError(response.status, error?.code ?? 'HTTP', error?.message ?? `${response.status} ${response.statusText}`);
  }
  return { body: parsed as T, headers: response.headers, status: response.status };
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export const get = async <T>(path: string): Promise<T> => (await call<T>('GET', path)).body;
export const fnPath = (name: string, rest = '') => `/v1/functions/${encodeURIComponent(name)}${rest}`;

/** A user's quotas and what the user holds of each (GET /v1/quotas). */
export interface QuotaReport {
  limits: Quotas;
  usage: Partial<Quotas>;
}

/** The admin's view of a user's quotas (GET /v1/admin/users/:username/quotas). */
export interface AdminQuotaReport extends QuotaReport {
  username: string;
  overrides: Partial<Quotas>;
  defaults: Quotas;
}

/** A console sign-in (GET /v1/auth/sessions). */
export interface Session {
  id: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  userAgent: string | null;
  current: boolean;
}

export interface FunctionSummary {
  name: string;
  owner: string;
  public: boolean;
  activeVersion: number;
  createdAt: number;
  updatedAt: number;
  invokeUrl: string;
  triggerUrl: string;
}

export interface Version {
  version: number;
  runtime: string;
  handler: string;
  codeDigest: string;
  codeSize: number;
  envNames: string[];
  limits: { memoryMb: number; timeoutMs: number; maxConcurrency: number; minWarm: number; idleTtlMs: number };
  network: string;
  createdAt: number;
  warnings: string[];
}

export interface FunctionDetail extends FunctionSummary {
  runtime: string;
  handler: string;
  limits: Version['limits'];
  network: string;
  envNames: string[];
  warnings: string[];
  liveWorkers: number;
  warmShortfall: number;
  versions: Version[];
}

export interface Metrics {
  from: number;
  to: number;
  stepMs: number;
  buckets: MetricsBucket[];
}

/** A record as the API shows it: without the owner's and the function's internal ids. */
export type InvocationRecord = Omit<CoreInvocationRecord, 'ownerId' | 'functionId'>;

export interface LiveWorker {
  id: string;
  address: string;
  managerId: string;
  version: number;
  state: 'idle' | 'busy';
  startedAt: number;
  lastUsedAt: number;
  initMs: number;
}

export const metricsUrl = (name: string, windowMs: number, stepMs: number, now = Date.now()) => {
  const to = Math.ceil(now / stepMs) * stepMs;
  return fnPath(name, `/metrics?from=${to - windowMs}&to=${to}&step=${stepMs}`);
};
