/**
 * The contract between a manager's sandboxes, the gateway and a worker's runtime (docs/architecture.md,
 * "Worker protocol"). Types only: the runtime servers import nothing at run time, and the Python
 * runtime mirrors these names.
 *
 *   POST /invoke  InvokeRequest → 200 RuntimeReply (400 with {ok: false, error} on a malformed request)
 *   GET  /healthz → 200 {ready: true} | 500 {ready: false, error}
 *   POST /specialise {env} → 200 HealthReply: a container's stem cell only, once (see StemCellEnvironment)
 * Every call carries the worker's secret in the WorkerSecretHeader; without it (compared in constant
 * time) the runtime answers 401 and closes the connection, whatever the path.
 *
 * The gateway invokes over frames instead of POST /invoke, on the same socket: a connection that
 * begins with the FramesPreface carries length-prefixed JSON, no HTTP to build or parse on either side.
 *   caller → worker: u32 (big-endian) byte length, then that many bytes of JSON. The first frame is
 *     a FramesHello (the secret, once per connection), every later one an InvokeRequest.
 *   worker → caller, one per InvokeRequest: u32 byte length of the JSON, u32 status (200 with a
 *     RuntimeReply; 400, 401 or 409 with {ok: false, error}, as on POST /invoke), u32 result offset
 *     (ResultOffsetHeader's number; 0: none), then the JSON.
 * A wrong secret gets one 401 frame, whatever was sent after the hello, and the connection closes.
 */

/** The bytes that open a framed connection (the NUL byte cannot begin an HTTP request). */
export type FramesPreface = '\u0000nubo-frames/1\n';

/** The first frame of a framed connection. */
export interface FramesHello {
  secret: string;
}

/** A reply frame's header: its length, status and result offset, a u32 each. */
export type ReplyFrameHeaderBytes = 12;

/** The header that carries the per-worker secret (NUBO_WORKER_SECRET) on every call to a worker. */
export type WorkerSecretHeader = 'x-nubo-worker-secret';

/** What the gateway sends for one invocation. */
export interface InvokeRequest {
  event: unknown;
  context: {
    requestId: string;
    deadlineMs: number;
    /** The ARN the caller invoked (with the version when it named one). */
    invokedFunctionArn?: string;
    /** A Lambda client's X-Amz-Client-Context, decoded (JSON text). */
    clientContext?: string;
  };
}

export interface RuntimeError {
  type: string;
  message: string;
  stack?: string;
}

/**
 * On a successful invoke's reply, the byte offset in the body at which the result's JSON begins:
 * the runtime writes the result last (`{...,"result":<JSON>}`), so the gateway passes those bytes
 * on without parsing and serialising them again. Without it the gateway parses the whole reply.
 */
export type ResultOffsetHeader = 'x-nubo-result-offset';

/** What the runtime answers for one invocation. */
export interface RuntimeReply {
  ok: boolean;
  result?: unknown;
  error?: RuntimeError;
  /** Everything the handler printed during this call (cut at NUBO_RUNTIME_MAX_LOG_BYTES). */
  logs: string;
  logsTruncated: boolean;
  durationMs: number;
  memoryMb: number;
  /** The worker can serve no more calls (a custom runtime's bootstrap ended): its caller destroys it. */
  workerEnds?: boolean;
}

export type HealthReply = { ready: true } | { ready: false; error: RuntimeError };

/**
 * The process sandbox's runtime tells its parent over IPC that it listens (and whether the handler
 * loaded); port 0 on a socket. A stem cell (NUBO_STEM_CELL=1) says `stem-ready` instead: it listens
 * with no function, and answers `ready` or `init-error` once specialised.
 */
export type ReadyMessage =
  | { type: 'ready'; port: number }
  | { type: 'init-error'; port: number; error: RuntimeError }
  | { type: 'stem-ready'; port: number };

/**
 * The one control message a stem cell accepts, over its IPC channel from its manager (nobody else
 * holds that channel): the function's environment with the runtime's settings (WorkerEnvironment,
 * the secret included). Its code is already in the stem cell's code directory. A second one is
 * refused: a stem cell becomes one function's worker for the rest of its life.
 */
export interface SpecialiseMessage {
  type: 'specialise';
  env: Record<string, string>;
}

/** The environment a sandbox gives a worker's runtime; the runtime removes these before the handler runs. */
export interface WorkerEnvironment {
  NUBO_HANDLER: string;
  NUBO_FUNCTION_NAME: string;
  NUBO_FUNCTION_VERSION: string;
  NUBO_MEMORY_MB: string;
  /** The secret every call must carry; generated per worker by its manager. */
  NUBO_WORKER_SECRET: string;
  /** Where the code is; the runtime's working directory when unset. */
  NUBO_CODE_DIR?: string;
  /** Address and port to listen on (defaults 127.0.0.1 and any free port). */
  NUBO_RUNTIME_HOST?: string;
  NUBO_RUNTIME_PORT?: string;
  /** A Unix socket path to listen on instead (the isolated process sandbox: the worker has no network of the host's). */
  NUBO_RUNTIME_SOCKET?: string;
  NUBO_RUNTIME_MAX_LOG_BYTES?: string;
  /** `cgroup` in a container: report the container's peak memory rather than the process's. */
  NUBO_MEMORY_SOURCE?: 'process' | 'cgroup';
  /** `1`: a custom runtime, whose `bootstrap` gets the invocations through the Lambda Runtime API. */
  NUBO_LAMBDA_RUNTIME_API?: '1';
}

/**
 * A stem cell's environment at start: where to listen, and that its function comes later. In a
 * container (no IPC channel) its one control call, `POST /specialise` with `{env}` and this token in
 * the secret header, answers a HealthReply once the handler loaded; the token is void after it.
 */
export interface StemCellEnvironment {
  NUBO_STEM_CELL: '1';
  NUBO_STEM_TOKEN?: string;
  NUBO_MEMORY_SOURCE?: 'process' | 'cgroup';
  NUBO_CODE_DIR?: string;
  NUBO_RUNTIME_HOST?: string;
  NUBO_RUNTIME_SOCKET?: string;
  NUBO_MEMORY_MB: string;
}
