import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** A signature's date may differ from the server's clock by at most this much (as AWS allows). */
export const signatureWindowMs = 5 * 60_000;

const authorizationPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;
const amzDatePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** What an `Authorization: AWS4-HMAC-SHA256 ...` header says. */
export interface SigV4Authorization {
  keyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function isSigV4(authorization: string | undefined): boolean {
  return authorization?.startsWith('AWS4-HMAC-SHA256 ') === true;
}

export function parseSigV4(authorization: string): SigV4Authorization | null {
  const match = authorizationPattern.exec(authorization);
  if (!match) return null;
  const [, keyId, scopeDate, region, service, headers, signature] = match as unknown as string[];
  return {
    keyId: keyId!,
    scopeDate: scopeDate!,
    region: region!,
    service: service!,
    signedHeaders: headers!.split(';'),
    signature: signature!,
  };
}

/** Why the request's signing time is unacceptable, or null when it is within the window. */
export function signingTimeProblem(request: FastifyRequest, auth: SigV4Authorization, now = Date.now()): string | null {
  const sent = request.headers['x-amz-date'];
  const header = typeof sent === 'string' ? sent : '';
  const match = amzDatePattern.exec(header);
  if (!match || !auth.signedHeaders.includes('x-amz-date')) return 'the request must carry a signed X-Amz-Date header';
  if (!header.startsWith(auth.scopeDate)) return "X-Amz-Date is not the credential scope's date";
  const signedAt = parseAmzDate(header).getTime();
  if (Math.abs(now - signedAt) > signatureWindowMs)
    return `Signature expired: ${header} is more than 5 minutes from the server's time ${new Date(now).toISOString()}; check this machine's clock`;
  return null;
}

function parseAmzDate(value: string): Date {
  const [, y, mo, d, h, mi, s] = amzDatePattern.exec(value)!.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

/** Whether the signature is the one the secret makes for this request (method, raw path, query, signed headers, body). */
export async function signatureMatches(
  request: FastifyRequest,
  body: Buffer,
  auth: SigV4Authorization,
  secret: string,
): Promise<boolean> {
  // A signer may state the body's hash in a header and sign only that: the body must then have it.
  const declaredHash = request.headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(body).digest('hex')) return false;
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.keyId, secretAccessKey: secret },
    region: auth.region,
    service: auth.service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    // Sign exactly the headers the client signed; never add a payload-hash header of our own.
    applyChecksum: false,
  });
  const [path, rawQuery = ''] = request.raw.url!.split('?', 2) as [string, string?];
  const params = new URLSearchParams(rawQuery);
  const query = Object.fromEntries([...new Set(params.keys())].map((name) => [name, params.getAll(name)]));
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? '', path, query, headers, body },
    { signingDate: parseAmzDate(headers['x-amz-date']!), signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  return expected.length === auth.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}
