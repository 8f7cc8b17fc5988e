import { createLogger, loadServerConfig } from '@nubo/core';
import { startEmbedded, type EmbeddedNubo } from '@nubo/cli';
import { call, type CallOptions, type HttpResult } from './http.js';
import { tempDir } from './temp-dir.js';

export interface TestNubo {
  url: string;
  embedded: EmbeddedNubo;
  close(): Promise<void>;
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<HttpResult<T>>;
  /** Signs a new user up and answers its API key. */
  signup(username: string): Promise<string>;
  /** Deploys from a file map; fails the test unless the deploy succeeds. */
  deploy(key: string, name: string, files: Record<string, string>, extra?: Record<string, unknown>): Promise<HttpResult>;
  invoke(key: string, name: string, event?: unknown): Promise<HttpResult>;
}

/** An embedded Nubo on a free loopback port with its own data directory; the caller closes it. */
export async function startNubo(env: Record<string, string> = {}): Promise<TestNubo> {
  const dataDir = await tempDir('nubo-data-');
  const config = loadServerConfig({ NUBO_PORT: '0', NUBO_DATA_DIR: dataDir, NUBO_LOG_LEVEL: 'warn', ...env });
  const embedded = await startEmbedded(config, createLogger({ level: config.NUBO_LOG_LEVEL }));
  const url = embedded.url;
  const nubo: TestNubo = {
    url,
    embedded,
    close: () => embedded.close(),
    call: (method, path, options) => call(url, method, path, options),
    async signup(username) {
      const res = await call(url, 'POST', '/v1/auth/signup', { body: { username, password: 'correct horse battery' } });
      if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
      return res.body.apiKey as string;
    },
    async deploy(key, name, files, extra = {}) {
      const res = await call(url, 'PUT', `/v1/functions/${name}`, { key, body: { runtime: 'node20', handler: 'index.handler', code: { files }, ...extra } });
      if (res.status !== 200 && res.status !== 201) throw new Error(`deploy of ${name} failed: ${res.status} ${res.text}`);
      return res;
    },
    invoke: (key, name, event = {}) => call(url, 'POST', `/v1/functions/${name}/invoke`, { key, body: event }),
  };
  return nubo;
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
