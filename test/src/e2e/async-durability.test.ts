import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { probeHandler } from '../helpers/handlers.js';
import { freePort } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { eventually, startNuboProcess, type Child } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const events = 100;

/** `nubo server` in its own process on one port and data directory, started again by `start`; killed when the file ends. */
function serverProcess(dataDir: string, port: number, env: Record<string, string> = {}) {
  const url = `http://127.0.0.1:${port}`;
  let current: Child | undefined;
  after(() => current?.process.kill('SIGKILL'));
  return {
    url,
    get child(): Child {
      return current!;
    },
    async start() {
      current = startNuboProcess('server', { NUBO_PORT: String(port), NUBO_DATA_DIR: dataDir, NUBO_LOG_LEVEL: 'warn', ...env });
      await eventually('the server answers', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok);
    },
  };
}

describe('queued events survive the embedded server stopping', () => {
  it('runs all 100 after a SIGTERM and after a kill -9, each to a terminal status', async () => {
    const server = serverProcess(await tempDir('nubo-async-'), await freePort('127.0.0.1'));
    const { url } = server;
    await server.start();
    const key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'ann', password: 'password123' } })).body
      .apiKey as string;
    const deployed = await call(url, 'PUT', '/v1/functions/work', {
      key,
      body: { runtime: 'node22', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } }, asyncConcurrency: 1 },
    });
    assert.equal(deployed.status, 201, deployed.text);
    const statuses = async (ids: string[]) =>
      Promise.all(ids.map(async (id) => (await call(url, 'GET', `/v1/invocations/${id}`, { key })).body));

    for (const stop of ['SIGTERM', 'SIGKILL'] as const) {
      const ids: string[] = [];
      for (let i = 0; i < events; i++) {
        const res = await call(url, 'POST', '/v1/functions/work/invoke', {
          key,
          // Before the kill, the first event runs long enough to be cut off.
          body: { i, sleepMs: stop === 'SIGKILL' && i === 0 ? 5000 : 40 },
          headers: { 'x-nubo-invocation-type': 'async' },
        });
        assert.equal(res.status, 202, res.text);
        ids.push(res.body.requestId);
      }
      if (stop === 'SIGTERM')
        await eventually('some events ran before the SIGTERM', async () => (await statuses(ids)).some((s) => s.status === 'ok'));
      else await eventually('the long event runs', async () => (await statuses([ids[0]!]))[0].status === 'running');
      server.child.process.kill(stop);
      const code = await server.child.exited;
      if (stop === 'SIGTERM') assert.equal(code, 0, server.child.output());
      await server.start();
      const final = await eventually(
        `all ${events} ran after the ${stop}`,
        async () => {
          const all = await statuses(ids);
          return all.every((s) => ['ok', 'failed', 'expired'].includes(s.status)) ? all : false;
        },
        60_000,
      );
      assert.ok(
        final.every((s) => s.status === 'ok'),
        `all ok: ${final.filter((s) => s.status !== 'ok').map((s) => s.status)}`,
      );
      const ranTwice = final.filter((s) => s.attempts.length > 1);
      if (stop === 'SIGTERM') assert.equal(ranTwice.length, 0, 'a graceful stop lets running events finish');
      else
        assert.deepEqual(
          ranTwice.map((s) => s.requestId),
          [ids[0]],
          'the event cut off by the kill ran again',
        );
      for (const s of ranTwice) {
        // At least once: the attempt cut off by the kill is recorded as lost, the next one ran.
        assert.deepEqual(
          s.attempts.map((a: { status: string; errorType: string | null }) => [a.status, a.errorType]),
          [
            ['crash', 'AttemptLost'],
            ['ok', null],
          ],
        );
      }
    }
  });

  it('skips the ticks of a schedule missed while the server was down', async () => {
    const server = serverProcess(await tempDir('nubo-async-'), await freePort('127.0.0.1'), { NUBO_SCHEDULE_MAX_LAG_MS: '1000' });
    const { url } = server;
    await server.start();
    const key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'ann', password: 'password123' } })).body
      .apiKey as string;
    // Per-second schedules are past the default quota (one tick a minute at most): the admin allows them.
    const allowed = await call(url, 'PUT', '/v1/admin/users/ann/quotas', { key, body: { scheduleMinIntervalS: 1 } });
    assert.equal(allowed.status, 200, allowed.text);
    const deployed = await call(url, 'PUT', '/v1/functions/tick', {
      key,
      body: {
        runtime: 'node22',
        handler: 'index.handler',
        code: { files: { 'index.mjs': probeHandler } },
        schedules: [{ name: 'every-second', cron: '* * * * * *' }],
      },
    });
    assert.equal(deployed.status, 201, deployed.text);
    /** Each schedule run: when it ran (its record) and which tick it was (the event's acceptedAt). */
    const ticks = async () => {
      const logs = (await call(url, 'GET', '/v1/functions/tick/logs?limit=1000', { key })).body as {
        requestId: string;
        trigger: string;
        startedAt: number;
      }[];
      return Promise.all(
        logs
          .filter((r) => r.trigger === 'schedule')
          .map(async (r) => ({
            ranAt: r.startedAt,
            tick: (await call(url, 'GET', `/v1/invocations/${r.requestId}`, { key })).body.acceptedAt as number,
          })),
      );
    };
    await eventually('a tick ran', async () => (await ticks()).length >= 1);
    server.child.process.kill('SIGTERM');
    await server.child.exited;
    await new Promise((resolve) => setTimeout(resolve, 4000)); // the platform is down for four ticks
    const up = Date.now();
    await server.start();
    await eventually('ticks run again', async () => (await ticks()).some((t) => t.ranAt >= up));
    // What ran after the restart are ticks from after it (within NUBO_SCHEDULE_MAX_LAG_MS), none of the down time.
    const late = (await ticks()).filter((t) => t.ranAt >= up && t.tick < up - 1000);
    assert.deepEqual(late, [], 'no tick missed while the server was down ran late');
  });
});
