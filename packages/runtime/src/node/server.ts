/**
 * The Node.js worker runtime: serves one invocation at a time of the user's Lambda-style handler.
 * It is copied into worker images, so it imports nothing but Node's own modules.
 *
 * The protocol (requests, replies, environment) is ../protocol.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Answer, type FrameHandlers, serveFrames } from './framed-connection.js';
import { InitError, loadHandler, type LambdaHandler } from './handler-loader.js';
import { OutputCapture } from './output-capture.js';
import { RuntimeApiBridge, RuntimeApiError } from './runtime-api-bridge.js';
import type {
  InvokeRequest,
  ReadyMessage,
  ResultOffsetHeader,
  RuntimeError,
  RuntimeReply,
  SpecialiseMessage,
  StemCellEnvironment,
  WorkerEnvironment,
  WorkerSecretHeader,
} from '../protocol.js';

/** The runtime's settings, read from its environment (at start, or a stem cell's once specialised). */
function settingsFrom(env: Partial<WorkerEnvironment>) {
  return {
    codeDir: env.NUBO_CODE_DIR ?? process.cwd(),
    handler: env.NUBO_HANDLER ?? 'index.handler',
    functionName: env.NUBO_FUNCTION_NAME ?? 'function',
    functionVersion: env.NUBO_FUNCTION_VERSION ?? '1',
    memoryMb: Number(env.NUBO_MEMORY_MB ?? '128'),
    host: env.NUBO_RUNTIME_HOST ?? '127.0.0.1',
    port: Number(env.NUBO_RUNTIME_PORT ?? '0'),
    socket: env.NUBO_RUNTIME_SOCKET,
    maxLogBytes: Number(env.NUBO_RUNTIME_MAX_LOG_BYTES ?? String(256 * 1024)),
    memorySource: env.NUBO_MEMORY_SOURCE ?? 'process',
    /** A custom runtime: the code's `bootstrap` speaks the Lambda Runtime API (runtime-api-bridge.ts). */
    lambdaRuntimeApi: env.NUBO_LAMBDA_RUNTIME_API === '1',
  };
}

const secretHeader: WorkerSecretHeader = 'x-nubo-worker-secret';
const resultOffset: ResultOffsetHeader = 'x-nubo-result-offset';
const stemCell = process.env.NUBO_STEM_CELL === '1';
/** What the runtime was started with; a stem cell's specialisation adds its function's part. */
const startEnv = { ...process.env } as Partial<WorkerEnvironment>;
let settings = settingsFrom(startEnv);
// Without a secret no call is accepted (fail closed); a stem cell has none until it is specialised.
let secretDigest: Buffer | null = null;

/** Takes the runtime's settings and secret out of the environment: the function sees its own variables only. */
function adoptEnvironment(env: Partial<WorkerEnvironment>): void {
  settings = settingsFrom({ ...startEnv, ...env });
  secretDigest = env.NUBO_WORKER_SECRET ? createHash('sha256').update(env.NUBO_WORKER_SECRET).digest() : null;
  for (const name of Object.keys(process.env)) if (name.startsWith('NUBO_')) delete process.env[name];
}
if (!stemCell) adoptEnvironment(process.env as Partial<WorkerEnvironment>);
else {
  // A container's stem cell has no IPC channel: its one control call carries this token instead of a secret.
  const token = (startEnv as Partial<StemCellEnvironment>).NUBO_STEM_TOKEN;
  secretDigest = token ? createHash('sha256').update(token).digest() : null;
  for (const name of Object.keys(process.env)) if (name.startsWith('NUBO_')) delete process.env[name];
}

type Outcome =
  | { ok: true; result: unknown }
  /** A custom runtime's response: its bytes as the bootstrap posted them (Lambda passes them on as they are). */
  | { ok: true; resultJson: string }
  | { ok: false; error: RuntimeError; workerEnds?: true };
type IncomingInvoke = Omit<Partial<InvokeRequest>, 'context'> & { context?: Partial<InvokeRequest['context']> };

const capture = new OutputCapture(settings.maxLogBytes);
let specialised = false;
let handler: LambdaHandler | undefined;
let bridge: RuntimeApiBridge | undefined;
let initError: Error | undefined;
/** A custom runtime's first invocation reports its init duration, as Lambda's REPORT line does. */
let initReported = false;
let busy = false;

function describeError(err: unknown): RuntimeError {
  if (err instanceof Error)
    return { type: err.name || 'Error', message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { type: 'Error', message: typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err)) };
}

function buildContext(requestId: string, deadlineMs: number, request: IncomingInvoke) {
  return {
    requestId,
    awsRequestId: requestId,
    invokedFunctionArn: request.context?.invokedFunctionArn,
    clientContext: request.context?.clientContext ? JSON.parse(request.context.clientContext) : undefined,
    functionName: settings.functionName,
    functionVersion: settings.functionVersion,
    memoryLimitInMB: settings.memoryMb,
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
}

/** Runs the handler, async or callback style (Lambda supports both). */
function runHandler(fn: LambdaHandler, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (err: unknown, result?: unknown) => (err ? reject(err) : resolve(result));
    try {
      const returned = fn(event, context, callback);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then(resolve, reject);
      } else if (fn.length < 3) {
        resolve(returned);
      }
    } catch (err) {
      reject(err);
    }
  });
}

/** One invocation through a custom runtime's bootstrap, framed by Lambda's START, END and REPORT lines. */
async function invokeBootstrap(
  active: RuntimeApiBridge,
  request: IncomingInvoke,
  requestId: string,
  deadlineMs: number,
): Promise<Outcome> {
  const started = performance.now();
  capture.note(`START RequestId: ${requestId} Version: ${settings.functionVersion}\n`);
  let outcome: Outcome;
  try {
    const response = await active.invoke(JSON.stringify(request.event ?? null), {
      requestId,
      deadlineMs,
      ...(request.context?.invokedFunctionArn ? { invokedFunctionArn: request.context.invokedFunctionArn } : {}),
      ...(request.context?.clientContext ? { clientContext: request.context.clientContext } : {}),
    });
    outcome = { ok: true, resultJson: response.toString('utf8') };
  } catch (err) {
    const fatal = err instanceof RuntimeApiError && err.fatal;
    outcome = { ok: false, error: describeError(err), ...(fatal ? { workerEnds: true as const } : {}) };
  }
  const durationMs = performance.now() - started;
  const init = initReported ? '' : `\tInit Duration: ${active.initMs.toFixed(2)} ms`;
  initReported = true;
  capture.note(
    `END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${settings.memoryMb} MB\tMax Memory Used: ${Math.round(memoryUsedMb())} MB${init}\t\n`,
  );
  return outcome;
}

async function invoke(request: IncomingInvoke): Promise<RuntimeReply> {
  const started = performance.now();
  const requestId = request.context?.requestId ?? 'local';
  const deadlineMs = request.context?.deadlineMs ?? Date.now() + 3_600_000;
  let outcome: Outcome;
  if (bridge) {
    outcome = await invokeBootstrap(bridge, request, requestId, deadlineMs);
  } else if (!handler) {
    outcome = { ok: false, error: describeError(initError ?? new Error('handler not loaded')) };
  } else {
    try {
      const result = await runHandler(handler, request.event ?? null, buildContext(requestId, deadlineMs, request));
      outcome = { ok: true, result: result === undefined ? null : result };
    } catch (err) {
      outcome = { ok: false, error: describeError(err) };
    }
  }
  const { logs, truncated } = capture.take();
  return {
    ...outcome,
    logs,
    logsTruncated: truncated,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    memoryMb: memoryUsedMb(),
  };
}

const cgroupPeakFiles = ['/sys/fs/cgroup/memory.peak', '/sys/fs/cgroup/memory/memory.max_usage_in_bytes'];

/** Peak memory in MB: the container's cgroup where there is one, else this process's peak RSS (and its bootstrap's). */
function memoryUsedMb(): number {
  if (settings.memorySource === 'cgroup') {
    for (const file of cgroupPeakFiles) {
      try {
        return Math.round(Number(readFileSync(file, 'utf8').trim()) / 104857.6) / 10;
      } catch {
        // not this cgroup version
      }
    }
  }
  return Math.round((process.resourceUsage().maxRSS / 1024 + (bridge?.bootstrapPeakMb() ?? 0)) * 10) / 10;
}

/** An invoke's reply; a result goes last, its offset given with it, for the gateway to pass on as it is. */
function replyAnswer(reply: RuntimeReply & { resultJson?: string }): Answer {
  if (!reply.ok) return jsonAnswer(200, reply);
  const { result, resultJson: raw, ...envelope } = reply;
  let resultJson: string;
  try {
    resultJson = raw ?? JSON.stringify(result) ?? 'null';
  } catch (err) {
    return jsonAnswer(200, { ...envelope, ok: false, error: notSerialisable(err) });
  }
  const head = `${JSON.stringify(envelope).slice(0, -1)},"result":`;
  return { status: 200, text: `${head}${resultJson}}`, resultOffset: Buffer.byteLength(head) };
}

const notSerialisable = (err: unknown): RuntimeError => ({
  type: 'SerializationError',
  message: `The handler's result is not JSON-serialisable: ${(err as Error).message}`,
});

/** Every answer but a result's is built here of strings and numbers, so it always serialises. */
function jsonAnswer(status: number, body: unknown): Answer {
  return { status, text: JSON.stringify(body) };
}

const unauthorised = jsonAnswer(401, {
  ok: false,
  error: { type: 'Unauthorized', message: 'This worker answers its platform only.' },
});

/** One invoke, from its request's JSON text (either protocol) to its answer. */
async function invokeAnswer(json: string): Promise<Answer> {
  // A custom runtime's bootstrap takes one invocation at a time; so does every runtime here.
  if (busy)
    return jsonAnswer(409, { ok: false, error: { type: 'WorkerBusy', message: 'This worker is already serving a request.' } });
  busy = true;
  try {
    return replyAnswer(await invoke(json.length === 0 ? {} : (JSON.parse(json) as IncomingInvoke)));
  } catch (err) {
    return jsonAnswer(400, { ok: false, error: describeError(err) });
  } finally {
    busy = false;
  }
}

function writeAnswer(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(answer.text),
  };
  if (answer.resultOffset) headers[resultOffset] = answer.resultOffset;
  res.writeHead(answer.status, headers);
  res.end(answer.text);
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether a caller presents this worker's secret (compared in constant time, as digests of equal length). */
function presentsSecret(presented: unknown): boolean {
  if (!secretDigest || typeof presented !== 'string') return false;
  return timingSafeEqual(createHash('sha256').update(presented).digest(), secretDigest);
}

/** HTTP: health checks, a container stem cell's specialisation, and invokes from anyone but the gateway. */
const httpServer = createServer((req, res) => {
  if (!presentsSecret(req.headers[secretHeader])) {
    res.shouldKeepAlive = false;
    writeAnswer(res, unauthorised);
    return;
  }
  if (req.method === 'GET' && req.url === '/healthz') {
    writeAnswer(
      res,
      jsonAnswer(
        initError || !handler ? 500 : 200,
        handler ? { ready: true } : { ready: false, error: describeError(initError ?? new Error('no handler loaded yet')) },
      ),
    );
    return;
  }
  if (req.method === 'POST' && req.url === '/specialise' && stemCell && !specialised) {
    readText(req)
      .then(async (text) => {
        specialise(((JSON.parse(text || '{}') as { env?: Record<string, string> }).env ?? {}) as Record<string, string>);
        await load();
        writeAnswer(res, jsonAnswer(200, handler ? { ready: true } : { ready: false, error: describeError(initError) }));
      })
      .catch((err: unknown) => writeAnswer(res, jsonAnswer(400, { ready: false, error: describeError(err) })));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/invoke') {
    writeAnswer(res, jsonAnswer(404, { ok: false, error: { type: 'NotFound', message: 'Use POST /invoke or GET /healthz.' } }));
    return;
  }
  readText(req)
    .then(invokeAnswer, (err: unknown) => jsonAnswer(400, { ok: false, error: describeError(err) }))
    .then((answer) => writeAnswer(res, answer));
});
// Outlive the gateway's idle connections so the gateway, not the worker, closes them.
httpServer.keepAliveTimeout = 65_000;
httpServer.headersTimeout = 66_000;

const frameHandlers: FrameHandlers = {
  authenticate: (hello) => {
    if (!presentsSecret(hello.secret)) return null;
    const digest = secretDigest;
    return () => digest === secretDigest;
  },
  invoke: invokeAnswer,
  unauthorised,
};

/** One socket for both protocols: a framed connection begins with a NUL byte, which no HTTP request does. */
const server = createNetServer((socket) => {
  socket.once('data', (first: Buffer) => {
    if (first[0] === 0) {
      serveFrames(socket, first, frameHandlers);
      return;
    }
    socket.pause();
    socket.unshift(first);
    httpServer.emit('connection', socket);
    process.nextTick(() => socket.resume());
  });
});

/** Loads the handler, or starts a custom runtime's bootstrap (output while loading is nobody's call's). */
async function load(): Promise<void> {
  capture.install();
  try {
    if (settings.lambdaRuntimeApi) {
      bridge = await RuntimeApiBridge.start({
        codeDir: settings.codeDir,
        handler: settings.handler,
        functionName: settings.functionName,
        functionVersion: settings.functionVersion,
        memoryMb: settings.memoryMb,
        functionEnv: { ...process.env } as Record<string, string>,
        runtimeDir: dirname(fileURLToPath(import.meta.url)),
        onOutput: (text) => capture.note(text),
      });
      handler = () => undefined;
    } else handler = await loadHandler(settings.codeDir, settings.handler);
  } catch (err) {
    if (err instanceof RuntimeApiError) {
      // What the bootstrap printed says why it failed: the init error carries its end.
      const said = capture.take().logs.trim().slice(-2000);
      initError = said ? new RuntimeApiError(err.errorType, `${err.message}. Its output: ${said}`, err.stackTrace) : err;
    } else initError = err instanceof InitError ? err : new InitError('ImportModuleError', describeError(err).message);
  }
  capture.take();
}

const readiness = (port: number): ReadyMessage =>
  initError ? { type: 'init-error', port, error: describeError(initError) } : { type: 'ready', port };

/** A stem cell's one control message: its function's environment; the code is in place already. */
function awaitSpecialisation(port: number): void {
  process.on('message', (message: SpecialiseMessage) => {
    if (message?.type !== 'specialise') return;
    if (specialised) {
      process.stderr.write('nubo runtime: refused a second specialisation: this worker already runs a function\n');
      return;
    }
    specialise(message.env);
    void load().then(() => process.send?.(readiness(port)));
  });
}

/** Becomes one function's worker: its environment, the runtime's settings and its secret (the stem token is void from now on). */
function specialise(env: Record<string, string>): void {
  specialised = true;
  for (const [name, value] of Object.entries(env)) process.env[name] = value;
  adoptEnvironment(env as Partial<WorkerEnvironment>);
}

async function main(): Promise<void> {
  // A worker loads its handler before it listens, so a health check never finds it half ready.
  if (!stemCell) await load();
  const listening = () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    if (stemCell) awaitSpecialisation(port);
    process.send?.(stemCell ? { type: 'stem-ready', port } : readiness(port));
    // The IPC channel closes when the manager dies: a worker never outlives its manager.
    process.on('disconnect', () => process.exit(0));
  };
  if (settings.socket) server.listen(settings.socket, listening);
  else server.listen(settings.port, settings.host, listening);
}

void main();
