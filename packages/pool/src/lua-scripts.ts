import { readFileSync } from 'node:fs';

/** The pool's Lua scripts, read from packages/pool/lua/ (each file's header documents it). */
const names = [
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
] as const;
export type ScriptName = (typeof names)[number];

export const luaScripts: Record<ScriptName, string> = Object.fromEntries(
  names.map((name) => [name, readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), 'utf8')]),
) as Record<ScriptName, string>;
