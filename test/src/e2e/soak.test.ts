import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { probeHandler } from '../helpers/handlers.js';
import { liveWorkersOf, sandboxKind, startNubo } from '../helpers/nubo.js';
import { managerWorkerProcesses } from '../helpers/worker-processes.js';
import { eventually } from '../helpers/processes.js';

/** How long the load runs; NUBO_SOAK_MS makes it longer (or shorter) by hand. */
const soakMs = Number(process.env.NUBO_SOAK_MS ?? 90_000);
/** Upper bound on requests, whatever the machine's speed. */
const maxRequests = 8000;
const callers = 8;

const rolling = (tag: string) => `export const handler = async (event) => {
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return { tag: ${JSON.stringify(tag)} };
};\n`;

interface Sent {
  fn: string;
  status: number;
  requestId: string | null;
  /** The error code of a failed call, so an unexpected one says what it was. */
  error?: string;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

describe('soak', () => {
  it(`keeps its books under ${Math.round(soakMs / 1000)} s of mixed load, deploys and worker crashes`, {
    timeout: soakMs + 240_000,
  }, async (t) => {
    const nubo = await startNubo({
      NUBO_REAP_INTERVAL_MS: '200',
      NUBO_PREWARM_INTERVAL_MS: '300',
      NUBO_MAX_QUEUE_WAIT_MS: '2000',
    });
    let closed = false;
    after(() => (closed ? undefined : nubo.close()));
    const key = await nubo.signup('soak');
    await nubo.deploy(
      key,
      'steady',
      { 'index.mjs': probeHandler },
      { maxConcurrency: 4, minWarm: 1, idleTtlMs: 2000, timeoutMs: 5000 },
    );
    await nubo.deploy(key, 'flaky', { 'index.mjs': probeHandler }, { maxConcurrency: 6, idleTtlMs: 1000, timeoutMs: 1000 });
    let version = 1;
    let crashes = 0;
    await nubo.deploy(key, 'rolling', { 'index.mjs': rolling('v1') }, { minWarm: 2, maxConcurrency: 8 });
    const functions = ['steady', 'flaky', 'rolling'] as const;

    const sent: Sent[] = [];
    const crashable: string[] = [];
    const endAt = Date.now() + soakMs;
    const running = () => Date.now() < endAt && sent.length < maxRequests;

    const caller = async () => {
      while (running()) {
        const fn = pick(functions);
        const event =
          fn === 'flaky'
            ? pick([{}, {}, { fail: 'expected' }, { crash: true }, { spin: true }, { sleepMs: 20 }])
            : { sleepMs: pick([0, 0, 5, 30]) };
        const res = await nubo.invoke(key, fn, event);
        const requestId = res.headers.get('x-nubo-request-id');
        sent.push({ fn, status: res.status, requestId, ...(res.status === 200 ? {} : { error: res.body?.error?.message }) });
        if (fn === 'steady' && res.status === 200 && requestId) crashable.push(requestId);
      }
    };
    const deployer = async () => {
      while (running()) {
        await delay(3000);
        version += 1;
        await nubo.deploy(key, 'rolling', { 'index.mjs': rolling(`v${version}`) }, { minWarm: 2, maxConcurrency: 8 });
      }
    };
    const chaos = async () => {
      while (running()) {
        await delay(1000);
        const victim = crashable.at(-1);
        if (!victim) continue;
        const { workerId } = (await nubo.call('GET', `/v1/invocations/${victim}`, { key })).body;
        if (workerId && nubo.workerRunning(workerId)) {
          await nubo.crashWorker(workerId);
          crashes += 1;
        }
      }
    };
    await Promise.all([...Array.from({ length: callers }, caller), deployer(), chaos()]);
    const counts = new Map<number, number>();
    for (const s of sent) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    const byStatus = [...counts].map(([status, n]) => `${status}: ${n}`);
    t.diagnostic(`${sent.length} requests (${byStatus.join(', ')}), ${version - 1} deploys, ${crashes} workers crashed`);

    // Every request was accepted and answered with a request id; the expected failures only.
    const unexpected = sent.filter((s) => !s.requestId || ![200, 429, 502, 504].includes(s.status));
    assert.deepEqual(unexpected, [], 'every request got an invocation answer');
    assert.ok(sent.filter((s) => s.status === 200).length > sent.length / 2, 'most requests succeeded');

    // Conservation, once the load is over: every running worker is one the pool knows, idle.
    await eventually(
      'the running workers are exactly the live workers of the active versions',
      async () => {
        const live = await Promise.all(functions.map((fn) => liveWorkersOf(nubo, key, fn)));
        return live.reduce((a, b) => a + b, 0) === nubo.liveWorkers();
      },
      30_000,
    );

    // Exactly one record per accepted request.
    for (const fn of functions) {
      const ids = sent.filter((s) => s.fn === fn).map((s) => s.requestId!);
      await eventually(
        `${fn} has one record per request`,
        async () => (await nubo.call('GET', `/v1/functions/${fn}/stats`, { key })).body.count === ids.length,
        30_000,
      );
      for (const id of ids) {
        const record = await nubo.call('GET', `/v1/invocations/${id}`, { key });
        assert.equal(record.status, 200, `no record for request ${id}`);
      }
    }

    const managers = nubo.managers().map((m) => m.id);
    closed = true;
    await nubo.close();
    assert.equal(nubo.liveWorkers(), 0);
    if (sandboxKind === 'docker') {
      const { default: Docker } = await import('dockerode');
      for (const id of managers) {
        const containers = await new Docker().listContainers({ all: true, filters: { label: [`nubo.manager=${id}`] } });
        assert.deepEqual(
          containers.map((c) => c.Names),
          [],
          `no container of manager ${id} is left`,
        );
      }
    } else {
      for (const id of managers)
        assert.deepEqual(managerWorkerProcesses(id), [], `no process of manager ${id}'s workers is left`);
    }
  });
});
