import type { FastifyRequest } from 'fastify';
import { NuboError, isNuboError } from '@nubo/core';
import { sessionCookieNames } from './auth/console-session.js';
import type { ShapedResult } from './invoke/invocation-types.js';

const sessionNames = new Set(sessionCookieNames.map((name) => name.toLowerCase()));
/** Whether a `name=value` cookie (a request's, or a Set-Cookie line) is the console's session cookie. */
const isSessionCookie = (cookie: string) => sessionNames.has(cookie.split('=', 1)[0]!.trim().toLowerCase());

const textualType = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;

/**
 * The Lambda HTTP event (API Gateway payload format 2.0, as Lambda function URLs send it), with
 * the 1.0 names `httpMethod` and `path` too so handlers written for either format run unchanged.
 */
export function buildHttpEvent(request: FastifyRequest, requestId: string): Record<string, unknown> {
  const url = request.raw.url ?? '/';
  const queryIndex = url.indexOf('?');
  const rawQueryString = queryIndex >= 0 ? url.slice(queryIndex + 1) : '';
  // As sent, still percent-encoded (`%2F` stays), as function URLs give it: what follows /fn/:owner/:name.
  const rawPath = `/${(queryIndex >= 0 ? url.slice(0, queryIndex) : url).split('/').slice(4).join('/')}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'authorization' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The console's session is never a function's to see, whatever host the browser sent it to.
  const cookies = (headers.cookie ?? '').split(/;\s*/).filter((cookie) => cookie && !isSessionCookie(cookie));
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  else delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString))
    query[name] = name in query ? `${query[name]},${value}` : value;
  const raw = request.body as Buffer | undefined;
  const hasBody = Buffer.isBuffer(raw) && raw.length > 0;
  const isText = textualType.test(request.headers['content-type'] ?? '');
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
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
  /** `set-cookie` is a list: each cookie its own header line. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Headers that frame or route the connection: Nubo sets them itself, never the handler. */
const hopByHopHeaders = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'proxy-connection',
  'te',
  'trailer',
]);
/** A header name as HTTP allows it (RFC 9110 token), lowercase. */
const headerName = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const unsafeValue = /[\r\n\0]/;

function badResponse(message: string): never {
  throw new NuboError('NUBO_ERR_INVOKE_BAD_RESPONSE', `The handler's HTTP response is not valid: ${message}.`);
}

/** The handler's headers that may reach the client: checked, without framing headers and without Nubo's own. */
function safeHeaders(raw: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null) return headers;
  for (const [rawName, rawValue] of Object.entries(raw)) {
    const name = rawName.toLowerCase();
    const value = String(rawValue);
    if (!headerName.test(name)) badResponse(`header name ${JSON.stringify(rawName)} has characters HTTP does not allow`);
    if (unsafeValue.test(value)) badResponse(`header ${rawName} has a line break or NUL in its value`);
    if (hopByHopHeaders.has(name) || name.startsWith('x-nubo-')) continue;
    headers[name] = value;
  }
  return headers;
}

/** API Gateway 1.0's `multiValueHeaders` (name → list of values), checked like the single-valued ones. */
function multiValueHeaders(raw: unknown): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  if (typeof raw !== 'object' || raw === null) return lists;
  for (const [name, values] of Object.entries(raw)) {
    for (const value of Array.isArray(values) ? values : [values]) {
      for (const [checkedName, checkedValue] of Object.entries(safeHeaders({ [name]: value })))
        lists[checkedName] = [...(lists[checkedName] ?? []), checkedValue];
    }
  }
  return lists;
}

/**
 * Turns a handler's result into an HTTP answer the way Lambda function URLs do. An answer that is
 * no valid HTTP response (status outside 200–599, headers with invalid names or line breaks) is
 * refused with NUBO_ERR_INVOKE_BAD_RESPONSE; framing headers and `x-nubo-*` headers are dropped.
 */
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
    multiValueHeaders?: unknown;
  };
  const status = Number(shaped.statusCode);
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    badResponse(`statusCode ${JSON.stringify(shaped.statusCode)} is not an integer from 200 to 599`);
  }
  const headers = safeHeaders(shaped.headers);
  let body: Buffer;
  if (shaped.body === undefined || shaped.body === null) body = Buffer.alloc(0);
  else if (typeof shaped.body === 'string') body = Buffer.from(shaped.body, shaped.isBase64Encoded === true ? 'base64' : 'utf8');
  else {
    body = Buffer.from(JSON.stringify(shaped.body));
    headers['content-type'] ??= 'application/json';
  }
  const multi = multiValueHeaders(shaped.multiValueHeaders);
  // Every cookie is its own Set-Cookie line (joined, a browser keeps only the first): payload 2.0's
  // `cookies`, 1.0's multiValueHeaders, and a plain header.
  const cookies = [
    ...(headers['set-cookie'] === undefined ? [] : [headers['set-cookie']]),
    ...(multi['set-cookie'] ?? []),
    ...(Array.isArray(shaped.cookies) ? shaped.cookies.map(String) : []),
  ];
  if (cookies.some((cookie) => unsafeValue.test(cookie))) badResponse('a cookie has a line break or NUL');
  const answer: HttpResult = { statusCode: status, headers, body };
  for (const [name, values] of Object.entries(multi)) if (name !== 'set-cookie') answer.headers[name] = values.join(', ');
  // A function can neither set nor clear the console's session cookie.
  const allowed = cookies.filter((cookie) => !isSessionCookie(cookie));
  if (allowed.length > 0) answer.headers['set-cookie'] = allowed;
  else delete answer.headers['set-cookie'];
  return answer;
}

/** The HTTP trigger's check of a result, for the invoker: a refused result makes the invocation an error. */
export function shapeHttpResult(result: unknown): ShapedResult {
  try {
    return { ok: true, value: toHttpResult(result) };
  } catch (err) {
    if (!isNuboError(err, 'NUBO_ERR_INVOKE_BAD_RESPONSE')) throw err;
    return { ok: false, error: { type: 'BadResponse', message: err.message, code: err.code } };
  }
}
