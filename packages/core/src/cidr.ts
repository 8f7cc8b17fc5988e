import { isIPv4, isIPv6 } from 'node:net';

/** An address range: `10.0.0.0/8`, `fc00::/7`. */
export interface Cidr {
  family: 4 | 6;
  /** The first address, as a number of `bits` bits. */
  base: bigint;
  prefix: number;
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);

function ipv6ToBigInt(address: string): bigint {
  const [head = '', tail = ''] = address.split('::') as [string, string?];
  const groups = (part: string) => (part ? part.split(':') : []);
  let left = groups(head);
  let right = address.includes('::') ? groups(tail) : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const last = (right.length > 0 ? right : left).at(-1);
  if (last && isIPv4(last)) {
    const v4 = last.split('.').map(Number) as [number, number, number, number];
    const pair = [((v4[0] << 8) | v4[1]).toString(16), ((v4[2] << 8) | v4[3]).toString(16)];
    if (right.length > 0) right = [...right.slice(0, -1), ...pair];
    else left = [...left.slice(0, -1), ...pair];
  }
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/** Parses `address/prefix` (or a bare address: one host); null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  const [address = '', prefixText] = text.trim().split('/') as [string, string?];
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : null;
  if (family === null) return null;
  const bits = bitsOf(family);
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (prefixText !== undefined && !/^\d+$/.test(prefixText)))
    return null;
  const value =
    family === 4 ? address.split('.').reduce((v, octet) => (v << 8n) | BigInt(Number(octet)), 0n) : ipv6ToBigInt(address);
  const hostBits = BigInt(bits - prefix);
  return { family, base: (value >> hostBits) << hostBits, prefix };
}

export function formatCidr({ family, base, prefix }: Cidr): string {
  if (family === 4) return `${[24n, 16n, 8n, 0n].map((shift) => (base >> shift) & 255n).join('.')}/${prefix}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((base >> BigInt(112 - i * 16)) & 0xffffn).toString(16));
  return `${groups.join(':')}/${prefix}`;
}

const contains = (outer: Cidr, inner: Cidr) =>
  outer.family === inner.family &&
  outer.prefix <= inner.prefix &&
  inner.base >> BigInt(bitsOf(outer.family) - outer.prefix) === outer.base >> BigInt(bitsOf(outer.family) - outer.prefix);

/**
 * The ranges of `blocked` minus those of `allowed`, as CIDRs: a blocked range that holds an allowed
 * one is split in halves, down to the allowed one, keeping every half that holds none of it.
 */
export function subtractCidrs(blocked: Cidr[], allowed: Cidr[]): Cidr[] {
  let ranges = blocked;
  for (const hole of allowed) {
    ranges = ranges.flatMap(function cut(range: Cidr): Cidr[] {
      if (contains(hole, range)) return [];
      if (!contains(range, hole)) return [range];
      const half = BigInt(bitsOf(range.family) - range.prefix - 1);
      const prefix = range.prefix + 1;
      return [
        { ...range, prefix },
        { ...range, base: range.base | (1n << half), prefix },
      ].flatMap(cut);
    });
  }
  return ranges;
}
