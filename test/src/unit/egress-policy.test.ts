import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCidr, parseCidr, subtractCidrs, type Cidr } from '@nubo/core';
import { EgressPolicy } from '@nubo/manager';

const cidr = (text: string) => parseCidr(text) as Cidr;
const inRange = (range: Cidr, address: Cidr) =>
  range.family === address.family &&
  address.base >> BigInt((range.family === 4 ? 32 : 128) - range.prefix) ===
    range.base >> BigInt((range.family === 4 ? 32 : 128) - range.prefix);

describe('address ranges', () => {
  it('parse and print IPv4 and IPv6, a bare address as one host, and refuse what is no range', () => {
    const cases: [string, string][] = [
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['10.1.2.3/8', '10.0.0.0/8'],
      ['192.168.5.10', '192.168.5.10/32'],
      ['fc00::/7', 'fc00:0:0:0:0:0:0:0/7'],
      ['::ffff:10.1.2.3', '0:0:0:0:0:ffff:a01:203/128'],
      ['fe80::1:2/10', 'fe80:0:0:0:0:0:0:0/10'],
    ];
    for (const [text, printed] of cases) assert.equal(formatCidr(cidr(text)), printed, text);
    for (const bad of ['', '10.0.0.0/33', '10.0.0/8', 'example.com', '10.0.0.0/8x', 'fc00::/129', '1.2.3.4/-1'])
      assert.equal(parseCidr(bad), null, bad);
  });

  it('subtract: what is left covers every other address of the blocked range and none of the allowed', () => {
    const left = subtractCidrs([cidr('10.0.0.0/8')], [cidr('10.250.77.1/32'), cidr('10.99.0.0/16')]);
    for (const inside of ['10.250.77.1', '10.99.0.1', '10.99.255.255'])
      assert.ok(!left.some((range) => inRange(range, cidr(inside))), `${inside} is allowed`);
    for (const still of ['10.0.0.1', '10.250.77.0', '10.250.77.2', '10.98.255.255', '10.100.0.0', '10.255.255.255'])
      assert.equal(left.filter((range) => inRange(range, cidr(still))).length, 1, `${still} stays blocked, once`);
    assert.deepEqual(subtractCidrs([cidr('10.0.0.0/8')], [cidr('10.0.0.0/7')]), [], 'a wider allowance frees it all');
    assert.deepEqual(subtractCidrs([cidr('10.0.0.0/8')], [cidr('fc00::/7')]), [cidr('10.0.0.0/8')], 'families do not mix');
  });
});

describe('the egress policy', () => {
  it('prohibits the private and link-local ranges (IPv6 ones where the namespace has IPv6), minus what the operator allows', () => {
    assert.equal(
      new EgressPolicy().batch(false),
      [
        'route add prohibit 10.0.0.0/8',
        'route add prohibit 172.16.0.0/12',
        'route add prohibit 192.168.0.0/16',
        'route add prohibit 100.64.0.0/10',
        'route add prohibit 169.254.0.0/16',
        '',
      ].join('\n'),
    );
    assert.match(new EgressPolicy().batch(true), /prohibit fc00:0:0:0:0:0:0:0\/7\nroute add prohibit fe80:0:0:0:0:0:0:0\/10\n$/);
    const opened = new EgressPolicy(['169.254.0.0/16', '10.250.77.1']).batch(false);
    assert.doesNotMatch(opened, /169\.254/);
    assert.doesNotMatch(opened, /10\.0\.0\.0\/8/);
    assert.match(opened, /prohibit 10\.250\.77\.0\/32/);
  });
});
