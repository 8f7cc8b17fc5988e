import { json } from './server.js';

/** The function the path benchmarks call: it does nothing and tells its pid, or answers `items` made-up records. */
export const noop = `export const handler = async (event) =>
  event?.items ? { items: Array.from({ length: event.items }, (_, id) => ({ id, name: 'item-' + id, tags: ['a', 'b'] })) } : { ok: true, pid: process.pid };
`;

/** Signs a user up on `url`, deploys the no-op function and calls it once, so one worker runs. */
export async function deployNoop(url: string): Promise<{ apiKey: string; pid: number }> {
  const { apiKey } = await json(`${url}/v1/auth/signup`, 'POST', { username: 'bench', password: 'benchmark-password' });
  await json(
    `${url}/v1/functions/noop`,
    'PUT',
    { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': noop } } },
    apiKey,
  );
  const { pid } = await json(`${url}/v1/functions/noop/invoke`, 'POST', {}, apiKey);
  return { apiKey, pid };
}
