import { after } from 'node:test';
import Docker from 'dockerode';
import { createLogger } from '@nubo/core';
import { DockerSandbox, EgressPolicy } from '@nubo/manager';
import { uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sandboxConformance } from './sandbox-suite.js';

const logger = createLogger({ level: 'silent' });
const docker = new Docker();
await docker.ping().catch(() => {
  throw new Error('The Docker engine is not reachable: start it with scripts/services/docker.sh (npm test does this).');
});

sandboxConformance('DockerSandbox', async () => {
  const sandbox = await DockerSandbox.open({
    docker,
    managerId: uniqueName('test-m-'),
    advertiseIp: '127.0.0.1',
    workDir: await tempDir(),
    relaySockets: false,
    ports: { from: 31000, to: 31999 },
    egress: new EgressPolicy(),
    logger,
  });
  after(() => sandbox.destroyAll());
  return sandbox;
});
