/**
 * The Lambda Runtime API (2018-06-01) for a custom runtime's `bootstrap`, served inside the worker's
 * sandbox on 127.0.0.1: the runtime server hands each invocation it gets over its framed protocol
 * to the bootstrap's `GET …/invocation/next` and answers with what the bootstrap posts back. One
 * invocation at a time, as on Lambda. Imports nothing but Node's own modules.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const apiPrefix = '/2018-06-01/runtime';
/** Lambda's payload limit for a synchronous response, as its Runtime API enforces it. */
export const maxResponseBytes = 6 * 1024 * 1024;
/** A bootstrap gets as long as on Lambda to initialise: until it first asks for an invocation. */
const initTimeoutMs = 10_000;
/**
 * An invocation ends, as on Lambda, when the bootstrap asks for the next one after answering, so
 * what it prints on the way (a tool's output after posting the response) is still this call's; a
 * bootstrap that takes longer to ask ends it after this long.
 */
const wrapUpMs = 20;

/** A failure as the Runtime API reports it: its type (e.g. Runtime.ExitError), message and stack lines. */
export class RuntimeApiError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly stackTrace: string[] = [],
    /** The bootstrap is gone: this worker can serve no more calls. */
    readonly fatal = false,
  ) {
    super(message);
    this.name = errorType;
    this.stack = [`${errorType}: ${message}`, ...stackTrace.map((line) => `    ${line}`)].join('\n');
  }
}

export interface BridgeOptions {
  codeDir: string;
  handler: string;
  functionName: string;
  functionVersion: string;
  memoryMb: number;
  /** The function's own environment variables (nothing of Nubo's). */
  functionEnv: Record<string, string>;
  /** Where the runtime server's files are (LAMBDA_RUNTIME_DIR). */
  runtimeDir: string;
  /** What the bootstrap prints, as it prints it. */
  onOutput: (text: string) => void;
  /** The command to run instead of `<codeDir>/bootstrap` (a container image's entry point and command). */
  command?: string[];
}

export interface InvocationContext {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn?: string;
  clientContext?: string;
}

interface Pending {
  context: InvocationContext;
  event: string;
  resolve(response: Buffer): void;
  reject(error: RuntimeApiError): void;
  handedOut: boolean;
}

const errorBody = (errorType: string, errorMessage: string) => JSON.stringify({ errorMessage, errorType });

function exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `Runtime exited with error: signal: ${signal.toLowerCase()}` : `Runtime exited with error: exit status ${code}`;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The error a runtime posts: its body's fields, the header's type first; anything malformed is still an error. */
function postedError(req: IncomingMessage, body: Buffer): RuntimeApiError {
  let parsed: { errorMessage?: unknown; errorType?: unknown; stackTrace?: unknown } = {};
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    // A body that is no JSON is its message.
    parsed = { errorMessage: body.toString('utf8') };
  }
  const header = req.headers['lambda-runtime-function-error-type'];
  const errorType =
    (typeof header === 'string' && header) || (typeof parsed.errorType === 'string' && parsed.errorType) || 'Unhandled';
  const stack = Array.isArray(parsed.stackTrace) ? parsed.stackTrace.map(String) : [];
  return new RuntimeApiError(errorType, typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '', stack);
}

/** A trace id in X-Ray's shape, fresh per invocation (nothing traces it here). */
function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

export class RuntimeApiBridge {
  private child: ChildProcess | null = null;
  private waitingNext: ServerResponse | null = null;
  private current: Pending | null = null;
  /** An answered invocation waiting for the bootstrap's next request (or wrapUpMs) to end. */
  private wrappingUp: (() => void) | null = null;
  private exited: RuntimeApiError | null = null;
  private initialised = false;
  private initFailure: RuntimeApiError | null = null;
  private settleInit: ((failure: RuntimeApiError | null) => void) | null = null;
  /** How long the bootstrap took from its start until it first asked for an invocation. */
  initMs = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: BridgeOptions,
  ) {}

  /** Starts the Runtime API and the bootstrap; resolves once the bootstrap asked for its first invocation. */
  static async start(options: BridgeOptions): Promise<RuntimeApiBridge> {
    const server = createServer();
    const bridge = new RuntimeApiBridge(server, options);
    server.on('request', (req, res) => bridge.route(req, res));
    // The bootstrap's long poll waits as long as there is no call.
    server.requestTimeout = 0;
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const failure = await bridge.runBootstrap();
    if (failure) {
      bridge.close();
      throw failure;
    }
    return bridge;
  }

  private get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What a bootstrap finds in its environment on Lambda, and the function's own variables. */
  private environment(): Record<string, string> {
    const { options } = this;
    const taskRoot = options.codeDir;
    return {
      PATH: '/usr/local/bin:/usr/bin:/bin:/opt/bin',
      LD_LIBRARY_PATH: `/lib64:/usr/lib64:${taskRoot}:${taskRoot}/lib:/opt/lib`,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      HOME: process.env.HOME ?? '/tmp',
      TMPDIR: process.env.TMPDIR ?? '/tmp',
      ...options.functionEnv,
      _HANDLER: options.handler,
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: options.runtimeDir,
      AWS_LAMBDA_RUNTIME_API: this.address,
      AWS_LAMBDA_FUNCTION_NAME: options.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: options.functionVersion,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[${options.functionVersion}]${randomBytes(16).toString('hex')}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    };
  }

  /** Spawns the bootstrap; answers its init failure, or null once it asked for an invocation. */
  private runBootstrap(): Promise<RuntimeApiError | null> {
    const started = performance.now();
    const [command, ...args] = this.options.command ?? [join(this.options.codeDir, 'bootstrap')];
    return new Promise((resolve) => {
      const timer = setTimeout(
        () =>
          this.failInit(
            new RuntimeApiError(
              'Runtime.InitTimeout',
              `The bootstrap did not ask for an invocation within ${initTimeoutMs / 1000} s of its start: once initialised, it must call GET /2018-06-01/runtime/invocation/next.`,
            ),
          ),
        initTimeoutMs,
      );
      this.settleInit = (failure) => {
        clearTimeout(timer);
        this.settleInit = null;
        this.initMs = performance.now() - started;
        resolve(failure);
      };
      const child = spawn(command!, args, {
        cwd: this.options.codeDir,
        env: this.environment(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.child = child;
      child.stdout.on('data', (chunk: Buffer) => this.options.onOutput(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => this.options.onOutput(chunk.toString('utf8')));
      child.on('error', (err: NodeJS.ErrnoException) => {
        const reason =
          err.code === 'ENOENT'
            ? `Couldn't find a bootstrap at ${command}: put an executable file named bootstrap at the root of the function's code.`
            : err.code === 'EACCES'
              ? `The bootstrap at ${command} is not executable (${err.code}): give it the execute permission (chmod +x) before zipping.`
              : `Cannot run the bootstrap ${command}: ${err.message}`;
        this.onExit(new RuntimeApiError('Runtime.InvalidEntrypoint', reason, [], true));
      });
      child.on('exit', (code, signal) =>
        this.onExit(new RuntimeApiError('Runtime.ExitError', exitMessage(code, signal), [], true)),
      );
    });
  }

  private failInit(failure: RuntimeApiError): void {
    this.initFailure ??= failure;
    this.settleInit?.(this.initFailure);
  }

  private onExit(error: RuntimeApiError): void {
    if (this.exited) return;
    this.exited = error;
    if (!this.initialised) this.failInit(error);
    // An answered call whose bootstrap ended before asking for more was answered all the same.
    this.wrappingUp?.();
    const current = this.current;
    this.current = null;
    if (current)
      setImmediate(() =>
        current.reject(
          new RuntimeApiError(error.errorType, `RequestId: ${current.context.requestId} Error: ${error.message}`, [], true),
        ),
      );
  }

  /** Runs one invocation through the bootstrap; resolves with the bytes it posted as the response. */
  invoke(event: string, context: InvocationContext): Promise<Buffer> {
    if (this.exited) return Promise.reject(this.exited);
    // The last call's wrap-up ends now, if it has not yet.
    this.wrappingUp?.();
    if (this.current) return Promise.reject(new RuntimeApiError('Runtime.Busy', 'An invocation is already running.'));
    return new Promise((resolve, reject) => {
      this.current = { context, event, resolve, reject, handedOut: false };
      if (this.waitingNext) this.handOut(this.waitingNext);
    });
  }

  private handOut(res: ServerResponse): void {
    const pending = this.current!;
    this.waitingNext = null;
    pending.handedOut = true;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(pending.event),
      'lambda-runtime-aws-request-id': pending.context.requestId,
      'lambda-runtime-deadline-ms': String(pending.context.deadlineMs),
      'lambda-runtime-invoked-function-arn':
        pending.context.invokedFunctionArn ?? `arn:aws:lambda:nubo:000000000000:function:${this.options.functionName}`,
      'lambda-runtime-trace-id': traceId(),
    };
    if (pending.context.clientContext) headers['lambda-runtime-client-context'] = pending.context.clientContext;
    res.writeHead(200, headers);
    res.end(pending.event);
  }

  private answer(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && path === `${apiPrefix}/invocation/next`) {
      this.next(res);
      return;
    }
    if (req.method === 'POST' && path === `${apiPrefix}/init/error`) {
      void readBody(req, maxResponseBytes).then((body) => {
        this.answer(res, 202, '{"status":"OK"}');
        if (!this.initialised) this.failInit(postedError(req, body ?? Buffer.alloc(0)));
        // Lambda ends a runtime that reports an init error.
        this.child?.kill('SIGKILL');
      });
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && match) {
      void this.result(req, res, decodeURIComponent(match[1]!), match[2] as 'response' | 'error');
      return;
    }
    this.answer(res, 404, errorBody('InvalidRequest', `No such Runtime API route: ${req.method} ${path}.`));
  }

  private next(res: ServerResponse): void {
    if (!this.initialised) {
      this.initialised = true;
      this.settleInit?.(null);
    }
    this.wrappingUp?.();
    if (this.waitingNext) {
      this.answer(res, 400, errorBody('InvalidStateTransition', 'Another request already waits for the next invocation.'));
      return;
    }
    this.waitingNext = res;
    res.on('close', () => {
      if (this.waitingNext === res) this.waitingNext = null;
    });
    if (this.current && !this.current.handedOut) this.handOut(res);
  }

  private async result(req: IncomingMessage, res: ServerResponse, requestId: string, kind: 'response' | 'error'): Promise<void> {
    const pending = this.current;
    if (!pending?.handedOut || pending.context.requestId !== requestId) {
      req.resume();
      this.answer(res, 400, errorBody('InvalidRequestID', `No invocation ${requestId} is waiting for an answer.`));
      return;
    }
    const body = await readBody(req, maxResponseBytes);
    if (body === null) {
      this.answer(
        res,
        413,
        errorBody('RequestEntityTooLarge', `Exceeded maximum allowed payload size (${maxResponseBytes} bytes).`),
      );
      this.settle(
        pending,
        new RuntimeApiError(
          'Function.ResponseSizeTooLarge',
          `Response payload size exceeded maximum allowed payload size (${maxResponseBytes} bytes).`,
        ),
      );
      return;
    }
    this.answer(res, 202, '{"status":"OK"}');
    this.settle(pending, kind === 'response' ? body : postedError(req, body));
  }

  /**
   * Ends the current invocation once the bootstrap asks for the next one (or wrapUpMs passed), and
   * the output it printed before has been read (the pipe's data of that turn).
   */
  private settle(pending: Pending, outcome: Buffer | RuntimeApiError): void {
    if (this.current !== pending) return;
    this.current = null;
    const end = () => {
      clearTimeout(timer);
      if (this.wrappingUp === end) this.wrappingUp = null;
      setImmediate(() => (outcome instanceof RuntimeApiError ? pending.reject(outcome) : pending.resolve(outcome)));
    };
    const timer = setTimeout(end, wrapUpMs);
    this.wrappingUp = end;
  }

  /** The bootstrap's peak resident memory so far, in MB (0 once it is gone). */
  bootstrapPeakMb(): number {
    try {
      const status = readFileSync(`/proc/${this.child?.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb / 1024;
    } catch {
      return 0;
    }
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.server.close();
  }
}
