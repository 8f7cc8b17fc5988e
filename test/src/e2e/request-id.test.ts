import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { freePort } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const echoIds =
  'export const handler = async (event, context) => ({ event: event.requestContext.requestId, context: context.awsRequestId });';

const port = await freePort('127.0.0.1');
const triggerPort = await freePort('127.0.0.1');
const url = `http://127.0.0.1:${port}`;
const triggers = `http://localhost:${triggerPort}`;
const server = startNuboProcess('server', {
  NUBO_PORT: String(port),
  NUBO_TRIGGER_PORT: String(triggerPort),
  NUBO_DATA_DIR: await tempDir(),
  NUBO_LOG_LEVEL: 'info',
  NUBO_LOG_FORMAT: 'json',
});

describe('one request id per call, from the edge to the log line', () => {
  let key: string;

  before(async () => {
    await eventually('the server answers', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok);
    const signup = await call(url, 'POST', '/v1/auth/signup', { body: { username: 'alice', password: 'correct horse battery' } });
    key = signup.body.apiKey;
    const deployed = await call(url, 'PUT', '/v1/functions/ids', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': echoIds } }, public: true },
    });
    assert.equal(deployed.status, 201, deployed.text);
  });

  const invocationLines = (id: string) =>
    server
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"invocation"'))
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.requestId === id);

  for (const caller of [false, true]) {
    it(`mints one id${caller ? " and keeps the caller's as its correlation id" : ''}: header, event, context, record and log line agree`, async () => {
      const sent = `trace-${randomUUID()}`;
      const res = await call(triggers, 'GET', '/fn/alice/ids/', caller ? { headers: { 'x-nubo-correlation-id': sent } } : {});
      assert.equal(res.status, 200, res.text);
      const id = res.headers.get('x-nubo-request-id');
      assert.ok(id);
      // Minted ids begin with the time (UUID version 7), so the logs' keys grow in order.
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      assert.equal(res.headers.get('x-nubo-correlation-id'), caller ? sent : null);
      assert.deepEqual(res.body, { event: id, context: id });
      const record = await call(url, 'GET', `/v1/invocations/${id}`, { key });
      assert.equal(record.status, 200, record.text);
      assert.equal(record.body.requestId, id);
      assert.equal(record.body.correlationId, caller ? sent : null);
      const [line] = await eventually('the log line is written', async () => {
        const lines = invocationLines(id);
        return lines.length > 0 && lines;
      });
      assert.equal(line.reqId, id);
      assert.equal(line.correlationId, caller ? sent : undefined);
      assert.equal(line.function, 'ids');
      assert.equal(line.version, 1);
      assert.equal(line.worker, record.body.workerId);
      if (caller) {
        const found = await call(url, 'GET', `/v1/functions/ids/logs?correlationId=${encodeURIComponent(sent)}`, { key });
        assert.deepEqual(
          found.body.map((r: { requestId: string }) => r.requestId),
          [id],
          'the logs find the call by its correlation id',
        );
      }
    });
  }

  it('mints a version-7 id on the invoke route too', async () => {
    const res = await call(url, 'POST', '/v1/functions/ids/invoke', { key, body: { requestContext: {} } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.context, res.headers.get('x-nubo-request-id'));
    assert.match(res.headers.get('x-nubo-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
  });

  it("refuses a caller's request id, and a correlation id that is no visible ASCII, with 400, running nothing", async () => {
    const refused: Record<string, string>[] = [
      { 'x-nubo-request-id': randomUUID() },
      { 'x-nubo-request-id': 'abc' },
      { 'x-nubo-correlation-id': 'has space' },
      { 'x-nubo-correlation-id': 'x'.repeat(129) },
    ];
    for (const headers of refused) {
      for (const res of [
        await call(url, 'POST', '/v1/functions/ids/invoke', { key, body: {}, headers }),
        await call(triggers, 'GET', '/fn/alice/ids/', { headers }),
      ]) {
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.error.code, 'NUBO_ERR_REQUEST_INVALID');
        assert.match(res.body.error.message, /x-nubo-correlation-id/);
      }
    }
    const stats = await call(url, 'GET', '/v1/functions/ids/stats', { key });
    assert.equal(stats.body.count, 3, stats.text);
  });
});
