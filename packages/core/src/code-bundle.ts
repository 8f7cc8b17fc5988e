import { strToU8, zipSync } from 'fflate';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { NuboError } from './errors.js';
import { unzipOffThread } from './unzip-off-thread.js';
import { zipUnixModes } from './zip-modes.js';

/**
 * A function's code travels and is stored as one zip archive (the bundle). These helpers build it
 * from a file map, check it (paths stay inside the code root, sizes stay bounded) and extract it.
 */
export interface BundleLimits {
  maxBytes: number;
  maxUnzippedBytes: number;
}

export interface Bundle {
  zip: Uint8Array;
  /** Normalised relative paths of the regular files in the bundle. */
  files: string[];
  unzippedBytes: number;
}

/** Limits of a bundle's file names (Linux's) and count (documented in the README). */
export const maxNameBytes = 255;
export const maxPathBytes = 4096;
export const maxCodeFiles = 10_000;

function safePath(raw: string): string {
  const unified = raw.replace(/\\/g, '/');
  const normal = posix.normalize(unified);
  if (
    unified.startsWith('/') ||
    /^[A-Za-z]:/.test(unified) ||
    normal === '..' ||
    normal.startsWith('../') ||
    unified.includes('\0')
  ) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_PATH_ESCAPE',
      `Code path "${raw}" escapes the code directory: use relative paths without "..".`,
    );
  }
  const path = normal.replace(/^\.\//, '').replace(/\/$/, '');
  if (path === '' || path === '.') {
    throw new NuboError('NUBO_ERR_DEPLOY_INVALID_PATH', `Code path "${raw}" names no file: give every file a name.`);
  }
  const tooLong = path.split('/').find((part) => Buffer.byteLength(part) > maxNameBytes);
  if (tooLong !== undefined || Buffer.byteLength(path) > maxPathBytes) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_INVALID_PATH',
      `Code path "${raw.slice(0, 80)}…" is too long: at most ${maxNameBytes} bytes a name and ${maxPathBytes} bytes a path.`,
    );
  }
  return path;
}

/** A path that is a file and also the folder of another file cannot be written. */
function assertNoFileFolderClash(files: string[]): void {
  const fileSet = new Set(files);
  for (const file of files) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (fileSet.has(folder)) {
        throw new NuboError(
          'NUBO_ERR_DEPLOY_INVALID_PATH',
          `Code path "${folder}" is both a file and the folder of "${file}": rename one.`,
        );
      }
    }
  }
}

function checkEntries(entries: Record<string, Uint8Array>, limits: BundleLimits): { files: string[]; unzippedBytes: number } {
  let unzippedBytes = 0;
  const files: string[] = [];
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const path = safePath(name);
    if (files.length >= maxCodeFiles) {
      throw new NuboError(
        'NUBO_ERR_DEPLOY_TOO_MANY_FILES',
        `The code has more than ${maxCodeFiles} files: leave out what the function does not need.`,
      );
    }
    unzippedBytes += data.length;
    if (unzippedBytes > limits.maxUnzippedBytes) {
      throw new NuboError(
        'NUBO_ERR_DEPLOY_CODE_TOO_LARGE',
        `Code unzips to more than ${limits.maxUnzippedBytes} bytes: remove files you do not need.`,
      );
    }
    files.push(path);
  }
  assertNoFileFolderClash(files);
  if (files.length === 0)
    throw new NuboError('NUBO_ERR_DEPLOY_EMPTY_CODE', 'The code has no files: send at least the handler file.');
  return { files, unzippedBytes };
}

/** Unpacks an archive off the event loop, counting what it really inflates (see unzip-worker.ts). */
async function unzip(zip: Uint8Array, limits: BundleLimits): Promise<Record<string, Uint8Array>> {
  if (zip.length > limits.maxBytes) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_CODE_TOO_LARGE',
      `Code is ${zip.length} bytes zipped, over the limit of ${limits.maxBytes}.`,
    );
  }
  const answer = await unzipOffThread(zip, limits.maxUnzippedBytes);
  if (answer.ok) return Object.fromEntries(answer.names.map((name, i) => [name, answer.contents[i]!]));
  if (answer.reason === 'too-large') {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_CODE_TOO_LARGE',
      `Code unzips to more than ${limits.maxUnzippedBytes} bytes: remove files you do not need.`,
    );
  }
  throw new NuboError(
    'NUBO_ERR_DEPLOY_INVALID_ZIP',
    `The code is not a valid zip archive (${answer.message}): zip the function's directory and send it base64-encoded.`,
  );
}

export async function bundleFromZip(zip: Uint8Array, limits: BundleLimits): Promise<Bundle> {
  return { zip, ...checkEntries(await unzip(zip, limits), limits) };
}

export function bundleFromFiles(files: Record<string, string>, limits: BundleLimits): Bundle {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, content] of Object.entries(files)) entries[safePath(name)] = strToU8(content);
  const checked = checkEntries(entries, limits);
  // A fixed mtime keeps the bytes, and so the digest, the same for the same files.
  const zip = zipSync(entries, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') });
  if (zip.length > limits.maxBytes) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_CODE_TOO_LARGE',
      `Code is ${zip.length} bytes zipped, over the limit of ${limits.maxBytes}.`,
    );
  }
  return { zip, ...checked };
}

/** Decodes strict base64 (standard alphabet, padding optional, whitespace ignored). */
export function decodeBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new NuboError(
      'NUBO_ERR_DEPLOY_INVALID_BASE64',
      'code.zip is not valid base64: encode the zip archive with standard base64.',
    );
  }
  return Buffer.from(compact, 'base64');
}

/** A custom runtime's entry point: executable whatever the archive says, as it is useless otherwise. */
const alwaysExecutable = new Set(['bootstrap']);

/**
 * Writes a bundle's files below `dir`, read-only; executable where the archive marks them so (any
 * execute bit of a Unix mode) and a root `bootstrap`.
 */
export async function extractBundle(zip: Uint8Array, dir: string, limits: BundleLimits): Promise<void> {
  const entries = await unzip(zip, limits);
  checkEntries(entries, limits);
  const modes = zipUnixModes(zip);
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const path = safePath(name);
    const target = join(dir, path);
    const mode = alwaysExecutable.has(path) || ((modes.get(name) ?? 0) & 0o111) !== 0 ? 0o555 : 0o444;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data, { mode });
    await chmod(target, mode);
  }
}
