import { Pool } from 'undici';
import { workerSecretHeader } from '@nubo/runtime';
import { timeRequests } from './measure.js';
import { json } from './server.js';
import { summarise } from './stats.js';

/** The Python no-op: it answers its pid, so the benchmark can find the worker and call it directly. */
const pythonNoop = 'import os\n\ndef handler(event, context):\n    return {"ok": True, "pid": os.getpid()}\n';

/**
 * Warm calls of a Python no-op through the gateway against calling its worker directly, in
 * alternating rounds. Deploys it as `pynoop` on the server; `workerOf` finds the worker's port and
 * secret from the pid it answers.
 */
export async function pythonWarmPath(
  server: { url: string; apiKey: string },
  workerOf: (pid: number) => Promise<{ port: number; secret: string }>,
  requests: number,
  rounds: number,
): Promise<{ direct: ReturnType<typeof summarise>; gateway: ReturnType<typeof summarise> }> {
  const code = { files: { 'main.py': pythonNoop } };
  await json(`${server.url}/v1/functions/pynoop`, 'PUT', { runtime: 'python3.11', handler: 'main.handler', code }, server.apiKey);
  const { pid } = await json(`${server.url}/v1/functions/pynoop/invoke`, 'POST', {}, server.apiKey);
  const { port, secret } = await workerOf(pid);
  const gateway = new Pool(server.url, { connections: 1 });
  const direct = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
  const gatewayHeaders = { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` };
  const directHeaders = { 'content-type': 'application/json', [workerSecretHeader]: secret };
  const directBody = JSON.stringify({ event: {}, context: { requestId: 'bench', deadlineMs: Date.now() + 3_600_000 } });
  try {
    await timeRequests(gateway, '/v1/functions/pynoop/invoke', '{}', gatewayHeaders, 200);
    await timeRequests(direct, '/invoke', directBody, directHeaders, 200);
    const viaGateway: number[] = [];
    const viaDirect: number[] = [];
    for (let round = 0; round < rounds; round++) {
      viaDirect.push(...(await timeRequests(direct, '/invoke', directBody, directHeaders, requests / rounds)));
      viaGateway.push(...(await timeRequests(gateway, '/v1/functions/pynoop/invoke', '{}', gatewayHeaders, requests / rounds)));
    }
    return { direct: summarise(viaDirect), gateway: summarise(viaGateway) };
  } finally {
    await gateway.close();
    await direct.close();
  }
}
