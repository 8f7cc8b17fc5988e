"""Nubo's Python worker runtime: serves one invocation at a time of a Lambda-style handler.

It is copied into worker images, so it uses the standard library only.

  POST /invoke  {event, context: {requestId, deadlineMs}}
    -> {ok, result | error{type,message,stack}, logs, logsTruncated, durationMs, memoryMb}
  GET  /healthz -> 200 {ready: true} | 500 {ready: false, error}
Every call must carry the worker's secret (NUBO_WORKER_SECRET) in x-nubo-worker-secret, else 401.
The gateway invokes over frames on the same socket instead (a connection that begins with a NUL
byte): the contract is packages/runtime/src/protocol.ts.
"""
import hashlib
import hmac
import importlib.util
import io
import json
import os
import queue
import resource
import socket
import struct
import sys
import threading
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn, UnixStreamServer

# The code directory is the deployed version, byte for byte: no __pycache__ is written into it.
sys.dont_write_bytecode = True

def settings_from(env):
    return {
        "code_dir": env.get("NUBO_CODE_DIR", os.getcwd()),
        "handler": env.get("NUBO_HANDLER", "app.handler"),
        "function_name": env.get("NUBO_FUNCTION_NAME", "function"),
        "function_version": env.get("NUBO_FUNCTION_VERSION", "1"),
        "memory_mb": int(env.get("NUBO_MEMORY_MB", "128")),
        "host": env.get("NUBO_RUNTIME_HOST", "127.0.0.1"),
        "port": int(env.get("NUBO_RUNTIME_PORT", "0")),
        "socket": env.get("NUBO_RUNTIME_SOCKET"),
        "max_log_bytes": int(env.get("NUBO_RUNTIME_MAX_LOG_BYTES", str(256 * 1024))),
        # "cgroup" in a container: report the container's peak memory rather than this process's.
        "memory_source": env.get("NUBO_MEMORY_SOURCE", "process"),
    }


def secret_digest_of(env):
    # Without a secret no call is accepted (fail closed).
    return hashlib.sha256(env["NUBO_WORKER_SECRET"].encode()).digest() if env.get("NUBO_WORKER_SECRET") else None


# A stem cell (NUBO_STEM_CELL=1) starts with no function: its manager specialises it once, over IPC.
STEM_CELL = os.environ.get("NUBO_STEM_CELL") == "1"
START_ENV = dict(os.environ)
SETTINGS = settings_from(START_ENV)
SECRET_HEADER = "x-nubo-worker-secret"
RESULT_OFFSET_HEADER = "x-nubo-result-offset"
FRAMES_PREFACE = b"\0nubo-frames/1\n"
# Until the secret has been shown, a frame is read only up to this size.
HELLO_LIMIT_BYTES = 4096
UNAUTHORISED = {"ok": False, "error": {"type": "Unauthorized", "message": "This worker answers its platform only."}}
# A container's stem cell has no IPC channel: its one control call carries NUBO_STEM_TOKEN instead of a secret.
SECRET_DIGEST = secret_digest_of({"NUBO_WORKER_SECRET": START_ENV.get("NUBO_STEM_TOKEN", "")}) if STEM_CELL else secret_digest_of(START_ENV)
# The manager's IPC channel (a Node.js "ipc" stdio pipe): the ready signal goes out on it, a stem
# cell's specialisation comes in on it, and its end means the manager died, so the worker ends too.
IPC_FD = int(os.environ["NODE_CHANNEL_FD"]) if "NODE_CHANNEL_FD" in os.environ else None
# The function sees its own environment only, not the runtime's settings.
for name in [n for n in os.environ if n.startswith("NUBO_") or n.startswith("NODE_CHANNEL")]:
    del os.environ[name]


class InitError(Exception):
    def __init__(self, kind, message, stack=None):
        super().__init__(message)
        self.kind = kind
        self.stack = stack


def describe(error):
    if isinstance(error, InitError):
        return {"type": error.kind, "message": str(error), **({"stack": error.stack} if error.stack else {})}
    return {"type": type(error).__name__, "message": str(error), "stack": "".join(traceback.format_exception(error))}


def load_handler():
    module_path, _, export = SETTINGS["handler"].rpartition(".")
    file = os.path.join(SETTINGS["code_dir"], module_path + ".py")
    if not os.path.isfile(file):
        raise InitError("HandlerFileMissing", f'Cannot find {module_path}.py in the function\'s code for handler "{SETTINGS["handler"]}".')
    sys.path.insert(0, SETTINGS["code_dir"])
    try:
        spec = importlib.util.spec_from_file_location(module_path.replace("/", "."), file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as error:  # the user's module failed to import
        raise InitError("ImportModuleError", f"Loading {module_path} failed: {error}", traceback.format_exc()) from None
    fn = getattr(module, export, None)
    if not callable(fn):
        raise InitError("HandlerExportMissing", f'{module_path}.py does not define a function named "{export}".')
    return fn


class Context:
    """The Lambda context object, in Python's names."""

    def __init__(self, request_id, deadline_ms):
        self.aws_request_id = request_id
        self.request_id = request_id
        self.function_name = SETTINGS["function_name"]
        self.function_version = SETTINGS["function_version"]
        self.memory_limit_in_mb = SETTINGS["memory_mb"]
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


class BoundedBuffer(io.StringIO):
    """Everything printed during one invocation, cut at the configured size."""

    truncated = False

    def write(self, text):
        room = SETTINGS["max_log_bytes"] - self.tell()
        if room <= 0:
            self.truncated = True
            return len(text)
        if len(text) > room:
            self.truncated = True
        return super().write(text[:room])


HANDLER = None
INIT_ERROR = None
# Connections are served on threads (a kept-alive health check must not block an invocation),
# but invocations run one at a time, like the Node.js runtime.
BUSY = threading.Lock()
# Lambda calls the handler on the process's main thread (asyncio's default event loop, which stays
# between calls, and signal.signal need it): connection threads hand each call to it here.
CALLS = queue.Queue()


def invoke_on_main_thread(request):
    answer = queue.Queue(maxsize=1)
    CALLS.put((request, answer))
    return answer.get()


def invoke(request):
    started = time.perf_counter()
    context = request.get("context") or {}
    buffer = BoundedBuffer()
    outcome = {}
    with redirect_stdout(buffer), redirect_stderr(buffer):
        if HANDLER is None:
            outcome = {"ok": False, "error": describe(INIT_ERROR)}
        else:
            try:
                result = HANDLER(request.get("event"), Context(context.get("requestId", "local"), context.get("deadlineMs", time.time() * 1000 + 3_600_000)))
                # Serialised once, here (NaN and Infinity are not JSON: a ValueError); sent as it is.
                outcome = {"ok": True, "result_json": json.dumps(result, allow_nan=False)}
            except (TypeError, ValueError) as error:
                outcome = {"ok": False, "error": describe(error)}
            except Exception as error:  # the handler's own error is the invocation's answer
                outcome = {"ok": False, "error": describe(error)}
    return {
        **outcome,
        "logs": buffer.getvalue(),
        "logsTruncated": buffer.truncated,
        "durationMs": round((time.perf_counter() - started) * 1000, 3),
        "memoryMb": memory_used_mb(),
    }


def memory_used_mb():
    if SETTINGS["memory_source"] == "cgroup":
        for file in ("/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"):
            try:
                with open(file) as f:
                    return round(int(f.read().strip()) / 1048576, 1)
            except (OSError, ValueError):
                continue
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A reply's headers and body are buffered and leave in one write when the request is done. Written
    # apart (the standard library's default), Nagle's algorithm held the body until the gateway had
    # acknowledged the headers: up to 40 ms on a kept-alive TCP connection, every warm call.
    wbufsize = 64 * 1024

    def setup(self):
        super().setup()
        # A reply larger than the buffer still goes out at once (Unix sockets have no Nagle to turn off).
        if self.connection.family != socket.AF_UNIX:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def handle_expect_100(self):
        # "100 Continue" must leave now, not wait in the reply buffer for a body the client holds back.
        answer = super().handle_expect_100()
        self.wfile.flush()
        return answer

    def handle(self):
        if self.rfile.peek(1)[:1] == b"\0":
            self.handle_frames()
        else:
            super().handle()

    def handle_frames(self):
        """A framed connection: the preface, the hello with the secret, then one invoke after another."""
        if self.rfile.read(len(FRAMES_PREFACE)) != FRAMES_PREFACE:
            return
        hello = self.read_frame(HELLO_LIMIT_BYTES)
        if hello is None:
            return
        try:
            secret = json.loads(hello).get("secret")
        except (ValueError, AttributeError):
            secret = None
        authenticated_with = SECRET_DIGEST
        if presents_secret(secret, authenticated_with):
            while True:
                body = self.read_frame()
                if body is None:
                    return
                # A stem cell's token is void once it is specialised.
                if authenticated_with is not SECRET_DIGEST:
                    break
                self.write_frame(*invoke_answer(body))
        self.write_frame(401, json.dumps(UNAUTHORISED).encode())

    def read_frame(self, limit=None):
        """A frame's bytes; None once the connection ends, or for a frame over `limit`."""
        header = self.rfile.read(4)
        if len(header) < 4:
            return None
        (length,) = struct.unpack(">I", header)
        if limit is not None and length > limit:
            return None
        body = self.rfile.read(length)
        return body if len(body) == length else None

    def write_frame(self, status, data, offset=0):
        self.wfile.write(struct.pack(">III", len(data), status, offset) + data)
        self.wfile.flush()

    def send_json(self, status, body):
        self.send_data(status, json.dumps(body).encode())

    def send_data(self, status, data, offset=0):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if offset:
            self.send_header(RESULT_OFFSET_HEADER, str(offset))
        self.end_headers()
        self.wfile.write(data)

    def from_the_platform(self):
        """Whether the call carries this worker's secret; answers 401 if not."""
        if presents_secret(self.headers.get(SECRET_HEADER)):
            return True
        self.close_connection = True
        self.send_json(401, UNAUTHORISED)
        return False

    def do_GET(self):
        if not self.from_the_platform():
            return
        if self.path == "/healthz":
            self.send_json(500 if INIT_ERROR else 200, {"ready": False, "error": describe(INIT_ERROR)} if INIT_ERROR else {"ready": True})
        else:
            self.send_json(404, {"ok": False, "error": {"type": "NotFound", "message": "Use POST /invoke or GET /healthz."}})

    def do_POST(self):
        if not self.from_the_platform():
            return
        if self.path == "/specialise" and STEM_CELL and claim_specialisation():
            length = int(self.headers.get("content-length") or 0)
            try:
                env = json.loads(self.rfile.read(length) or b"{}").get("env") or {}
            except (ValueError, AttributeError) as error:
                self.send_json(400, {"ready": False, "error": describe(error)})
                return
            answer = queue.Queue()
            CALLS.put((SPECIALISE, (env, answer)))
            self.send_json(200, answer.get())
            return
        if self.path != "/invoke":
            self.send_json(404, {"ok": False, "error": {"type": "NotFound", "message": "Use POST /invoke or GET /healthz."}})
            return
        length = int(self.headers.get("content-length") or 0)
        self.send_data(*invoke_answer(self.rfile.read(length)))


def presents_secret(presented, digest=None):
    """Whether a caller presents this worker's secret (compared in constant time, as digests)."""
    digest = digest or SECRET_DIGEST
    return digest is not None and isinstance(presented, str) and hmac.compare_digest(hashlib.sha256(presented.encode()).digest(), digest)


def invoke_answer(body):
    """One invoke, from its request's JSON bytes (either protocol) to (status, reply bytes, result offset)."""
    try:
        request = json.loads(body or b"{}")
    except ValueError as error:
        return 400, json.dumps({"ok": False, "error": describe(error)}).encode(), 0
    if not BUSY.acquire(blocking=False):
        return 409, json.dumps({"ok": False, "error": {"type": "WorkerBusy", "message": "This worker is already serving a request."}}).encode(), 0
    try:
        reply = invoke_on_main_thread(request)
    finally:
        BUSY.release()
    # The result's JSON goes last and its byte offset with it, for the gateway to pass on as it is.
    result_json = reply.pop("result_json", None)
    if result_json is None:
        return 200, json.dumps(reply).encode(), 0
    head = (json.dumps(reply)[:-1] + ', "result": ').encode()
    return 200, head + result_json.encode() + b"}", len(head)


def send_ipc(message):
    if IPC_FD is not None:
        os.write(IPC_FD, (json.dumps(message) + "\n").encode())


def read_ipc():
    """Reads the manager's messages (JSON lines) until the channel ends: then the manager died, and so does the worker."""
    pending = b""
    while True:
        try:
            chunk = os.read(IPC_FD, 65536)
        except OSError:
            break
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not STEM_CELL or not isinstance(message, dict) or message.get("type") != "specialise":
                continue
            if claim_specialisation():
                CALLS.put((SPECIALISE, (message.get("env") or {}, None)))
    os._exit(0)


SPECIALISED = threading.Lock()


def claim_specialisation():
    """True for the first specialisation only: a stem cell becomes one function's worker for the rest of its life."""
    if SPECIALISED.acquire(blocking=False):
        return True
    sys.stderr.write("nubo runtime: refused a second specialisation: this worker already runs a function\n")
    return False


# Queued for the main thread, which loads handlers and runs them.
SPECIALISE = object()


def specialise(env):
    """Becomes the worker of one function: its environment and the runtime's settings, then its handler."""
    global SETTINGS, SECRET_DIGEST
    SETTINGS = settings_from({**START_ENV, **env})
    SECRET_DIGEST = secret_digest_of(env)
    for name, value in env.items():
        if not name.startswith("NUBO_"):
            os.environ[name] = value
    load()


def health():
    return {"ready": True} if HANDLER is not None else {"ready": False, "error": describe(INIT_ERROR)}


def load():
    global HANDLER, INIT_ERROR
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            HANDLER = load_handler()
    except InitError as error:
        INIT_ERROR = error


def send_readiness():
    send_ipc({"type": "init-error", "port": PORT, "error": describe(INIT_ERROR)} if INIT_ERROR else {"type": "ready", "port": PORT})


class ThreadingUnixHTTPServer(ThreadingMixIn, UnixStreamServer):
    """HTTP on a Unix socket (the isolated process sandbox), one thread per connection as on TCP."""

    daemon_threads = True


PORT = 0


def main():
    global PORT
    # A worker loads its handler before it listens, so a health check never finds it half ready.
    if not STEM_CELL:
        load()
    if SETTINGS["socket"]:
        server = ThreadingUnixHTTPServer(SETTINGS["socket"], Handler)
    else:
        ThreadingHTTPServer.daemon_threads = True
        server = ThreadingHTTPServer((SETTINGS["host"], SETTINGS["port"]), Handler)
        PORT = server.server_address[1]
    if STEM_CELL:
        send_ipc({"type": "stem-ready", "port": PORT})
    else:
        send_readiness()
    if IPC_FD is not None:
        threading.Thread(target=read_ipc, daemon=True).start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        request, answer = CALLS.get()
        if request is SPECIALISE:
            env, reply_to = answer
            specialise(env)
            if reply_to is None:
                send_readiness()
            else:
                reply_to.put(health())
            continue
        answer.put(invoke(request))


if __name__ == "__main__":
    main()
