import type { Redis } from 'ioredis';
import { luaScripts, type ScriptName } from './lua-scripts.js';
import { poolUnavailable } from './redis-connection.js';

const commandName = (script: ScriptName) => `nubo_${script.replace(/-/g, '_')}`;

/** Runs one of the Lua scripts: its KEYS, then the key prefix as ARGV[1] (every script's rule) and its arguments. */
export type LuaRun = <T>(script: ScriptName, keys: string[], args: (string | number)[]) => Promise<T>;

/** The scripts as commands of this connection (EVALSHA, the body only when Redis does not know it yet). */
export function luaRunner(redis: Redis, prefix: string): LuaRun {
  for (const [name, lua] of Object.entries(luaScripts)) {
    if (!(commandName(name as ScriptName) in redis)) redis.defineCommand(commandName(name as ScriptName), { lua });
  }
  return async <T>(script: ScriptName, keys: string[], args: (string | number)[]): Promise<T> => {
    try {
      const command = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[commandName(script)]!;
      return (await command.call(redis, keys.length, ...keys, prefix, ...args.map(String))) as T;
    } catch (err) {
      return poolUnavailable(err);
    }
  };
}
