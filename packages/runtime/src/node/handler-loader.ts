import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type LambdaHandler = (event: unknown, context: unknown, callback?: (err: unknown, result?: unknown) => void) => unknown;

export class InitError extends Error {
  constructor(
    readonly kind: 'HandlerFileMissing' | 'HandlerExportMissing' | 'ImportModuleError',
    message: string,
    readonly causeStack?: string,
  ) {
    super(message);
    this.name = kind;
  }
}

const extensions = ['.js', '.mjs', '.cjs'];

/** Loads `<file>.<export>` from the code root the way AWS Lambda's Node runtime does. */
export async function loadHandler(codeDir: string, handler: string): Promise<LambdaHandler> {
  const dot = handler.lastIndexOf('.');
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const file = extensions.map((ext) => join(codeDir, modulePath + ext)).find((candidate) => existsSync(candidate));
  if (!file) {
    throw new InitError(
      'HandlerFileMissing',
      `Cannot find ${modulePath}.js, .mjs or .cjs in the function's code for handler "${handler}".`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error;
    throw new InitError('ImportModuleError', `Loading ${modulePath} failed: ${e?.message ?? String(err)}`, e?.stack);
  }
  const fromDefault = (mod.default as Record<string, unknown> | undefined)?.[exportName];
  const fn = mod[exportName] ?? fromDefault;
  if (typeof fn !== 'function') {
    throw new InitError(
      'HandlerExportMissing',
      `${file.slice(codeDir.length + 1)} does not export a function named "${exportName}".`,
    );
  }
  return fn as LambdaHandler;
}
