import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

const app = `
import os

calls = 0

def handler(event, context):
    global calls
    calls += 1
    if event.get("fail"):
        raise ValueError(event["fail"])
    if event.get("nan"):
        return {"x": float("nan")}
    print("hello from python", event.get("name"))
    return {
        "greeting": f"{os.environ.get('GREETING')} {event.get('name')}",
        "pid": os.getpid(),
        "calls": calls,
        "requestId": context.aws_request_id,
        "function": context.function_name,
        "version": context.function_version,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "nubo_env": [n for n in os.environ if n.startswith("NUBO_")],
    }
`;

/** What Lambda's Python runtime gives a handler: the main thread, its event loop kept between calls, signals. */
const mainThreadApp = `
import asyncio, signal, threading, time

class Alarm(Exception):
    pass

def on_alarm(signum, frame):
    raise Alarm()

async def answer():
    await asyncio.sleep(0)
    return "async ok"

def handler(event, context):
    loop = asyncio.get_event_loop()
    result = loop.run_until_complete(answer())
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    try:
        time.sleep(5)
        alarm = "no alarm"
    except Alarm:
        alarm = "alarm fired"
    return {"main": threading.current_thread() is threading.main_thread(), "result": result, "loop": id(loop), "alarm": alarm}
`;

describe('Python handlers (python3.11)', () => {
  let nubo: TestNubo;
  let key: string;
  after(() => nubo.close());

  before(async () => {
    nubo = await startNubo();
    key = await nubo.signup('pythonista');
    await nubo.deploy(
      key,
      'py',
      { 'app.py': app },
      { runtime: 'python3.11', handler: 'app.handler', env: { GREETING: 'hi' }, memoryMb: 128, timeoutMs: 3000 },
    );
  });

  it('runs the handler on the main thread: asyncio (one loop across calls) and SIGALRM work as on Lambda', async () => {
    await nubo.deploy(
      key,
      'main-thread',
      { 'app.py': mainThreadApp },
      { runtime: 'python3.11', handler: 'app.handler', timeoutMs: 10_000 },
    );
    const first = await nubo.invoke(key, 'main-thread');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.main, true);
    assert.equal(first.body.result, 'async ok');
    assert.equal(first.body.alarm, 'alarm fired');
    const second = await nubo.invoke(key, 'main-thread');
    assert.equal(second.body.loop, first.body.loop, 'the same event loop on the next call');
  });

  it('runs cold then warm on the same worker with the Lambda context and its own env only', async () => {
    const cold = await nubo.invoke(key, 'py', { name: 'x' });
    assert.equal(cold.status, 200, cold.text);
    assert.equal(cold.headers.get('x-nubo-cold-start'), 'true');
    const warm = await nubo.invoke(key, 'py', { name: 'y' });
    assert.equal(warm.headers.get('x-nubo-cold-start'), 'false');
    assert.equal(warm.body.pid, cold.body.pid);
    assert.equal(warm.body.calls, 2);
    assert.equal(warm.body.greeting, 'hi y');
    assert.equal(warm.body.requestId, warm.headers.get('x-nubo-request-id'));
    assert.equal(warm.body.function, 'py');
    assert.equal(warm.body.version, '1');
    assert.equal(warm.body.memory, 128);
    assert.ok(warm.body.remaining > 0 && warm.body.remaining <= 3000);
    assert.deepEqual(warm.body.nubo_env, []);
    const record = (await nubo.call('GET', `/v1/invocations/${warm.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(record.logs, 'hello from python y\n');
    assert.ok(record.memoryUsedMb > 0);
  });

  it('reports an exception as a function error with its type', async () => {
    const res = await nubo.invoke(key, 'py', { fail: 'no good' });
    assert.equal(res.status, 502);
    assert.equal(res.body.error.type, 'ValueError');
    assert.equal(res.body.error.message, 'no good');
    assert.match(res.body.error.stack, /Traceback/);
  });

  it('refuses a result that is not JSON (NaN) as a function error, not a broken worker', async () => {
    const res = await nubo.invoke(key, 'py', { nan: true });
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_FUNCTION_ERROR');
    assert.equal(res.body.error.type, 'ValueError');
    assert.equal((await nubo.invoke(key, 'py', {})).headers.get('x-nubo-cold-start'), 'false', 'the worker keeps serving');
  });

  it('refuses a deploy whose module or function is missing or does not import', async () => {
    const deploy = (files: Record<string, string>, handler = 'app.handler') =>
      nubo.call('PUT', '/v1/functions/pybad', { key, body: { runtime: 'python3.11', handler, code: { files } } });
    assert.equal((await deploy({ 'other.py': 'x = 1' })).body.error.code, 'NUBO_ERR_DEPLOY_HANDLER_FILE_MISSING');
    assert.equal((await deploy({ 'app.py': 'def other(e, c): pass' })).body.error.code, 'NUBO_ERR_DEPLOY_HANDLER_EXPORT_MISSING');
    const broken = await deploy({ 'app.py': 'import not_a_module_anywhere\n' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'NUBO_ERR_DEPLOY_INIT_FAILED');
    assert.match(broken.body.error.message, /not_a_module_anywhere/);
  });

  it('serves the HTTP trigger', async () => {
    await nubo.deploy(
      key,
      'pyhttp',
      {
        'web.py':
          'def handler(event, context):\n    return {"statusCode": 202, "headers": {"x-py": "1"}, "body": event["rawPath"] + "?" + event["rawQueryString"]}\n',
      },
      { runtime: 'python3.11', handler: 'web.handler', public: true },
    );
    const res = await nubo.trigger('GET', '/fn/pythonista/pyhttp/a/b?q=1');
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('x-py'), '1');
    assert.equal(res.text, '/a/b?q=1');
  });
});
