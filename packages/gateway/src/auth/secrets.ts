import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scryptAsync = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** API keys are `nubo_` + 32 random bytes; only their sha256 is stored. */
export function newApiKey(): { key: string; hash: string; prefix: string } {
  const key = `nubo_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 12) };
}

/** A console session's token: 32 random bytes, stored only as its sha256 (as keys are). */
export function newSessionToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashApiKey(token) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/**
 * New hashes: scrypt with N = 2^14, r = 8, p = 5 — one of OWASP's equivalent minimum settings
 * (16 MiB per hash). The parameters are stored in the hash, so they can be raised later while
 * older hashes keep verifying with theirs.
 */
const currentParams: ScryptParams = { ln: 14, r: 8, p: 5 };
/** Hashes stored before the parameters were (`scrypt$salt$hash`) used Node's defaults. */
const legacyParams: ScryptParams = { ln: 14, r: 8, p: 1 };

const options = ({ ln, r, p }: ScryptParams): ScryptOptions => ({ N: 2 ** ln, r, p, maxmem: 128 * 2 ** ln * r * 2 });

/** `scrypt$ln=14,r=8,p=5$<salt>$<hash>` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const derived = await scryptAsync(password, salt, 32, options(currentParams));
  const { ln, r, p } = currentParams;
  return `scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64')}$${derived.toString('base64')}`;
}

function parseParams(text: string): ScryptParams | null {
  const match = /^ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})$/.exec(text);
  if (!match) return null;
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Bounds keep a corrupt row from costing the server gigabytes or minutes.
  return ln >= 10 && ln <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 ? { ln, r, p } : null;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] !== 'scrypt') return false;
  const [params, salt, hash] =
    parts.length === 3 ? [legacyParams, parts[1], parts[2]] : [parseParams(parts[1] ?? ''), parts[2], parts[3]];
  if (!params || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const derived = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, options(params));
  return timingSafeEqual(derived, expected);
}
