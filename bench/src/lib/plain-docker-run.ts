import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { bareHeaders, bareSecret, untilHealthy } from './bare-runtime.js';
import { freePort } from './server.js';

/**
 * A plain `docker run` of a worker image with the code bound in (no hardening, no platform), timed
 * until its runtime answers its health check, or with `invoke` until its first invocation's answer.
 */
export async function plainDockerRun(
  docker: Docker,
  options: { image: string; handler: string; codeDir: string; invoke?: boolean },
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const container = await docker.createContainer({
    Image: options.image,
    Env: [`NUBO_HANDLER=${options.handler}`, `NUBO_WORKER_SECRET=${bareSecret}`],
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: {
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      Binds: [`${options.codeDir}:/code:ro`],
    },
  });
  try {
    await container.start();
    await untilHealthy(`http://127.0.0.1:${port}`);
    if (options.invoke) {
      const res = await fetch(`http://127.0.0.1:${port}/invoke`, { method: 'POST', headers: bareHeaders, body: '{"event":{}}' });
      await res.text();
    }
    return performance.now() - started;
  } finally {
    await container.remove({ force: true });
  }
}
