import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type {
  FramesHello,
  FramesPreface,
  HealthReply,
  InvokeRequest,
  ReadyMessage,
  RuntimeError,
  ReplyFrameHeaderBytes,
  ResultOffsetHeader,
  RuntimeReply,
  SpecialiseMessage,
  StemCellEnvironment,
  WorkerEnvironment,
  WorkerSecretHeader,
} from './protocol.js';

/** The header name of the per-worker secret (protocol.ts's WorkerSecretHeader). */
export const workerSecretHeader: import('./protocol.js').WorkerSecretHeader = 'x-nubo-worker-secret';

/** The header name of a successful reply's result offset (protocol.ts's ResultOffsetHeader). */
export const resultOffsetHeader: import('./protocol.js').ResultOffsetHeader = 'x-nubo-result-offset';

export { FrameReader } from './node/frame-reader.js';

/** What opens a framed connection to a worker (protocol.ts's FramesPreface). */
export const framesPreface: import('./protocol.js').FramesPreface = '\u0000nubo-frames/1\n';

/** The size of a reply frame's header (protocol.ts's ReplyFrameHeaderBytes). */
export const replyFrameHeaderBytes: import('./protocol.js').ReplyFrameHeaderBytes = 12;

/** Absolute path of the Node.js runtime server script, to run in a worker. */
export const nodeRuntimeScript = fileURLToPath(new URL('./node/server.js', import.meta.url));

/** Absolute path of the Python runtime server script (standard library only), to run in a worker. */
export const pythonRuntimeScript = fileURLToPath(new URL('../python/nubo_runtime.py', import.meta.url));

/** The runtime package's directory, which holds both scripts (an isolated worker sees it read-only). */
export const runtimePackageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * The Node.js of a node runtime inside a runtime directory (the package's, or a copy a sandbox
 * shows its workers): Node releases other than the one running Nubo are installed under
 * `interpreters/<runtime>/` by scripts/install-runtimes.mjs. Any other runtime (node20 is the Node
 * running Nubo): null.
 */
export function installedNode(runtimeDir: string, runtime: string): string | null {
  return Object.hasOwn(installedNodeVersions, runtime) ? `${runtimeDir}/interpreters/${runtime}/bin/node` : null;
}

/** The Node.js release of each installed node runtime (interpreters.json, which the install script reads too). */
const { $comment: _, ...installedNodeVersions }: Record<string, string> = JSON.parse(
  readFileSync(new URL('../interpreters.json', import.meta.url), 'utf8'),
);
