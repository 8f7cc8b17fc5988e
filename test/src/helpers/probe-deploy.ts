import assert from 'node:assert/strict';
import { probeHandler } from './handlers.js';
import { call } from './http.js';

/** Signs alice up on a server started by the test and deploys the probe as `probe`; answers her API key. */
export async function signupAndDeployProbe(url: string): Promise<string> {
  const key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'alice', password: 'password123' } })).body
    .apiKey as string;
  const deployed = await call(url, 'PUT', '/v1/functions/probe', {
    key,
    body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } } },
  });
  assert.equal(deployed.status, 201, deployed.text);
  return key;
}
