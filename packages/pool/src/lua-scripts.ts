import { readFileSync } from 'node:fs';

/**
 * The pool's Lua scripts, read from packages/pool/lua/ (each file's header documents it).
 * A line `--- @include "name"` is replaced by lua/includes/name.lua, each include at most once.
 */
export const scriptNames = [
  'acquire',
  'adopt',
  'adopt-idle',
  'reserve-warm',
  'cancel-start',
  'give-back',
  'remove-idle',
  'forget',
  'retire',
  'reclaim-expired',
  'restore',
  'drop-manager',
  'drain-manager',
  'freeze-idle',
  'queue-hold',
  'queue-release',
] as const;
export type ScriptName = (typeof scriptNames)[number];

const luaDir = new URL('../lua/', import.meta.url);
const includeLine = /^--- @include "([a-z-]+)"$/gm;

function readLua(relative: string): string {
  return readFileSync(new URL(relative, luaDir), 'utf8');
}

/** Replaces the include lines of a script by the included files (which may include others). */
export function expandIncludes(source: string, seen = new Set<string>()): string {
  return source.replace(includeLine, (_line, name: string) => {
    if (seen.has(name)) return `-- (${name} included above)`;
    seen.add(name);
    return expandIncludes(readLua(`includes/${name}.lua`), seen);
  });
}

/** A script's header: its leading comment lines, which document KEYS, ARGV and the reply. */
export function scriptHeader(name: ScriptName): string {
  const lines = readLua(`${name}.lua`).split('\n');
  const end = lines.findIndex((line) => !line.startsWith('--'));
  return lines.slice(0, end < 0 ? lines.length : end).join('\n');
}

export const luaScripts: Record<ScriptName, string> = Object.fromEntries(
  scriptNames.map((name) => [name, expandIncludes(readLua(`${name}.lua`))]),
) as Record<ScriptName, string>;
