import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandIncludes, luaScripts, scriptHeader, scriptNames, scriptReplies } from '@nubo/pool';

const numbered = (text: string, name: 'KEYS' | 'ARGV') =>
  [...text.matchAll(new RegExp(`${name}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1]));

describe('the pool Lua scripts', () => {
  it('expand every include, once, and keep none unexpanded', () => {
    for (const name of scriptNames) {
      assert.doesNotMatch(luaScripts[name], /@include/, `${name} has an include left`);
      assert.ok(
        luaScripts[name].split('\n').filter((l) => l.startsWith('local names')).length <= 1,
        `${name} includes keys twice`,
      );
    }
    const twice = expandIncludes('--- @include "keys"\n--- @include "drop-worker"\n--- @include "keys"\n');
    assert.equal(twice.match(/^local names/gm)?.length, 1, 'an include appears at most once');
    assert.match(twice, /local function dropWorker/);
  });

  it('name their reply codes in their headers exactly as script-replies.ts does', () => {
    for (const [name, replies] of Object.entries(scriptReplies)) {
      const header = scriptHeader(name as (typeof scriptNames)[number]);
      const returns = header.slice(header.indexOf('Returns:'));
      const documented = Object.fromEntries([...returns.matchAll(/\b([A-Z_]+)=(-?\d+)/g)].map((m) => [m[1], Number(m[2])]));
      assert.deepEqual(documented, replies, `${name}.lua's Returns line`);
    }
  });

  it('document every KEYS and ARGV slot they use, and all take the key prefix as ARGV[1]', () => {
    for (const name of scriptNames) {
      const header = scriptHeader(name);
      const body = luaScripts[name]
        .split('\n')
        .filter((l) => !l.startsWith('--'))
        .join('\n');
      assert.match(header, /ARGV\[1\] key prefix/, `${name}.lua takes the prefix as ARGV[1]`);
      for (const slot of ['KEYS', 'ARGV'] as const) {
        const documented = new Set(numbered(header, slot));
        for (const used of numbered(body, slot))
          assert.ok(documented.has(used), `${name}.lua uses ${slot}[${used}] without documenting it`);
        const sorted = [...documented].sort((a, b) => a - b);
        assert.deepEqual(
          sorted,
          Array.from({ length: sorted.length }, (_, i) => i + 1),
          `${name}.lua numbers its ${slot} from 1 without gaps`,
        );
      }
      assert.match(header, /Returns:/, `${name}.lua documents its reply`);
    }
  });
});
