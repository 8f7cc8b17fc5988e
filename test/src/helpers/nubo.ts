import { createLogger, loadServerConfig, type CodeStore, type Sandbox } from '@nubo/core';
import { startEmbedded } from '@nubo/cli';
import type { Manager } from '@nubo/manager';
import { FsCodeStore } from '@nubo/stores';
import { startDistributedStack } from './distributed-stack.js';
import { call, type CallOptions, type HttpResult } from './http.js';
import { tempDir } from './temp-dir.js';
import { ensureTestNetwork, testNetworkHostIp } from './test-network.js';
import { workerProcesses } from './worker-processes.js';

/** Which shape of Nubo the end-to-end tests run against: `embedded` (default) or `distributed`. */
export const stackKind = process.env.NUBO_E2E_STACK === 'distributed' ? 'distributed' : 'embedded';
/** Which sandbox runs the workers: `process` (default) or `docker`. */
export const sandboxKind = process.env.NUBO_E2E_SANDBOX === 'docker' ? 'docker' : 'process';

export interface TestNubo {
  /** One gateway's URL; `call` spreads requests over every gateway of the stack. */
  url: string;
  /** Every gateway's URL (one in embedded mode). */
  urls: string[];
  /** Where one gateway serves HTTP triggers (an origin apart from the console's); `trigger` spreads calls without a key over every gateway. */
  triggerUrl: string;
  triggerUrls: string[];
  codeStore: CodeStore;
  /** Functions' worker processes running on every node of the stack (stem cells not counted). */
  liveWorkers(): number;
  /** Whether a worker (by the workerId of its invocation records) still runs. */
  workerRunning(workerId: string): boolean;
  /** An address of this machine that workers can reach (isolated workers cannot reach its loopback). */
  hostSeenByWorkers(): Promise<string>;
  /** Ends a worker behind Nubo's back, as a crash while idle would. */
  killWorker(workerId: string): Promise<void>;
  /**
   * Crashes a worker the way a fault would, so its sandbox sees it die: SIGKILL to its processes
   * (found by its cgroup), or `docker kill` of its container.
   */
  crashWorker(workerId: string): Promise<void>;
  /** The manager of every node (one in embedded mode). */
  managers(): Manager[];
  close(): Promise<void>;
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<HttpResult<T>>;
  /** Signs a new user up and answers its API key. */
  signup(username: string): Promise<string>;
  /** Deploys from a file map; fails the test unless the deploy succeeds. */
  deploy(key: string, name: string, files: Record<string, string>, extra?: Record<string, unknown>): Promise<HttpResult>;
  invoke(key: string, name: string, event?: unknown): Promise<HttpResult>;
  /**
   * A request to the HTTP triggers' listener (`path` starts with /fn/): with a key, on the gateway
   * that key's calls stick to; without one, spread over every gateway.
   */
  trigger<T = any>(method: string, path: string, options?: CallOptions): Promise<HttpResult<T>>;
}

interface Stack {
  urls: string[];
  triggerUrls: string[];
  codeStore: CodeStore;
  sandboxes(): Sandbox[];
  managers(): Manager[];
  close(): Promise<void>;
}

async function startStack(extra: Record<string, string>): Promise<Stack> {
  // The test servers workers call (counters, barriers) listen on the test network, a private range.
  const env = { NUBO_SANDBOX: sandboxKind, NUBO_EGRESS_ALLOW: `${testNetworkHostIp}/32`, ...extra };
  if (stackKind === 'distributed') {
    const stack = await startDistributedStack(env);
    return {
      urls: stack.gateways.map((g) => g.url),
      triggerUrls: stack.gateways.map((g) => g.triggerUrl),
      codeStore: stack.codeStore,
      sandboxes: () => stack.managers.map((m) => m.sandbox),
      managers: () => stack.managers.map((m) => m.manager),
      close: () => stack.close(),
    };
  }
  const dataDir = await tempDir('nubo-data-');
  const config = loadServerConfig({
    NUBO_PORT: '0',
    NUBO_TRIGGER_PORT: '0',
    NUBO_DATA_DIR: dataDir,
    NUBO_LOG_LEVEL: 'warn',
    ...env,
  });
  const embedded = await startEmbedded(config, createLogger({ level: config.NUBO_LOG_LEVEL }));
  return {
    urls: [embedded.url],
    triggerUrls: [embedded.triggerUrl],
    codeStore: new FsCodeStore(`${dataDir}/code`),
    sandboxes: () => [embedded.sandbox],
    managers: () => [embedded.manager],
    close: () => embedded.close(),
  };
}

/** A Nubo on free loopback ports with its own data; the caller closes it. */
export async function startNubo(env: Record<string, string> = {}): Promise<TestNubo> {
  const stack = await startStack(env);
  // Each API key sticks to one gateway (as behind a load balancer with affinity), so a user reads
  // its own records at once; different users, and calls without a key, spread over all gateways.
  let next = 0;
  const sticky = new Map<string, string>();
  const pick = (key?: string) => {
    if (!key) return stack.urls[next++ % stack.urls.length]!;
    const url = sticky.get(key) ?? stack.urls[next++ % stack.urls.length]!;
    sticky.set(key, url);
    return url;
  };
  let nextTrigger = 0;
  const nubo: TestNubo = {
    url: stack.urls[0]!,
    urls: stack.urls,
    triggerUrl: stack.triggerUrls[0]!,
    triggerUrls: stack.triggerUrls,
    codeStore: stack.codeStore,
    liveWorkers: () => stack.managers().reduce((sum, m) => sum + m.runningWorkerIds().length, 0),
    async hostSeenByWorkers() {
      if (sandboxKind !== 'docker') return ensureTestNetwork();
      const { default: Docker } = await import('dockerode');
      const network = await new Docker().getNetwork('nubo-workers').inspect();
      const gateway = network.IPAM?.Config?.[0]?.Gateway as string | undefined;
      if (!gateway) throw new Error('the nubo-workers network has no gateway address');
      return gateway;
    },
    workerRunning: (workerId) => stack.sandboxes().some((s) => s.running().includes(workerId)),
    async killWorker(workerId) {
      await stack
        .sandboxes()
        .find((s) => s.running().includes(workerId))
        ?.destroy(workerId);
    },
    async crashWorker(workerId) {
      if (sandboxKind === 'docker') {
        const { default: Docker } = await import('dockerode');
        const docker = new Docker();
        const [container] = await docker.listContainers({ filters: { label: [`nubo.worker=${workerId}`] } });
        if (container)
          await docker
            .getContainer(container.Id)
            .kill()
            .catch(() => undefined);
      } else {
        // An isolated worker's pid is its namespace's; its cgroup finds its processes on the host.
        for (const hostPid of workerProcesses(workerId)) {
          try {
            process.kill(hostPid, 'SIGKILL');
          } catch {
            // It ended between the look and the kill.
          }
        }
      }
    },
    managers: () => stack.managers(),
    close: () => stack.close(),
    call: (method, path, options) => call(pick(options?.key), method, path, options),
    async signup(username) {
      const res = await call(pick(), 'POST', '/v1/auth/signup', { body: { username, password: 'correct horse battery' } });
      if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
      return res.body.apiKey as string;
    },
    async deploy(key, name, files, extra = {}) {
      const res = await call(pick(key), 'PUT', `/v1/functions/${name}`, {
        key,
        body: { runtime: 'node20', handler: 'index.handler', code: { files }, ...extra },
      });
      if (res.status !== 200 && res.status !== 201) throw new Error(`deploy of ${name} failed: ${res.status} ${res.text}`);
      return res;
    },
    invoke: (key, name, event = {}) => call(pick(key), 'POST', `/v1/functions/${name}/invoke`, { key, body: event }),
    trigger(method, path, options) {
      // A call with a key goes to the trigger listener of that key's gateway, which keeps its records.
      const index = options?.key ? stack.urls.indexOf(pick(options.key)) : nextTrigger++;
      return call(stack.triggerUrls[index % stack.triggerUrls.length]!, method, path, options);
    },
  };
  return nubo;
}

/** The live workers (idle + busy) of a function's active version, as GET /v1/functions/:name reports them. */
export async function liveWorkersOf(nubo: TestNubo, key: string, name: string): Promise<number> {
  return (await nubo.call('GET', `/v1/functions/${name}`, { key })).body.liveWorkers as number;
}

/** True while an operating-system process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
