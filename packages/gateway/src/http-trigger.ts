import type { FastifyRequest } from 'fastify';
import { NuboError } from '@nubo/core';

const textualType = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;

/**
 * The Lambda HTTP event (API Gateway payload format 2.0, as Lambda function URLs send it), with
 * the 1.0 names `httpMethod` and `path` too so handlers written for either format run unchanged.
 */
export function buildHttpEvent(request: FastifyRequest, subPath: string, requestId: string): Record<string, unknown> {
  const url = request.raw.url ?? '/';
  const queryIndex = url.indexOf('?');
  const rawQueryString = queryIndex >= 0 ? url.slice(queryIndex + 1) : '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'authorization' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString))
    query[name] = name in query ? `${query[name]},${value}` : value;
  const raw = request.body as Buffer | undefined;
  const hasBody = Buffer.isBuffer(raw) && raw.length > 0;
  const isText = textualType.test(request.headers['content-type'] ?? '');
  const rawPath = `/${subPath}`;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
    headers,
    queryStringParameters: query,
    requestContext: {
      accountId: 'nubo',
      apiId: 'nubo',
      domainName: request.hostname,
      http: {
        method: request.method,
        path: rawPath,
        protocol: `HTTP/${request.raw.httpVersion}`,
        sourceIp: request.ip,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    httpMethod: request.method,
    path: rawPath,
    body: hasBody ? (isText ? raw.toString('utf8') : raw.toString('base64')) : null,
    isBase64Encoded: hasBody && !isText,
  };
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Turns a handler's result into an HTTP answer the way Lambda function URLs do. */
export function toHttpResult(result: unknown): HttpResult {
  const isStructured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!isStructured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: { 'content-type': typeof result === 'string' ? 'text/plain; charset=utf-8' : 'application/json' },
      body: Buffer.from(body),
    };
  }
  const shaped = result as {
    statusCode: unknown;
    headers?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
    cookies?: unknown;
  };
  const status = Number(shaped.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new NuboError(
      'NUBO_ERR_INVOKE_BAD_RESPONSE',
      `The handler returned statusCode ${JSON.stringify(shaped.statusCode)}: use an integer from 100 to 599.`,
    );
  }
  const headers: Record<string, string> = {};
  if (typeof shaped.headers === 'object' && shaped.headers !== null) {
    for (const [name, value] of Object.entries(shaped.headers)) headers[name.toLowerCase()] = String(value);
  }
  let body: Buffer;
  if (shaped.body === undefined || shaped.body === null) body = Buffer.alloc(0);
  else if (typeof shaped.body === 'string') body = Buffer.from(shaped.body, shaped.isBase64Encoded === true ? 'base64' : 'utf8');
  else {
    body = Buffer.from(JSON.stringify(shaped.body));
    headers['content-type'] ??= 'application/json';
  }
  if (Array.isArray(shaped.cookies) && shaped.cookies.length > 0) headers['set-cookie'] = shaped.cookies.map(String).join(', ');
  return { statusCode: status, headers, body };
}
