#!/usr/bin/env node
// The test command: starts the services the distributed tests need (installing them when missing),
// then runs every compiled test file with Node's test runner. Node 20's --test takes no globs, so
// the files are listed here. Arguments filter the files by substring: `npm test -- concurrency`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const repo = join(import.meta.dirname, '..');
const root = join(repo, 'test', 'dist');
const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.test.js')) files.push(full);
  }
};
walk(root);
const selected = files.filter((file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f))).sort();
if (selected.length === 0) {
  console.error(`No test files match ${filters.join(', ')}.`);
  process.exit(1);
}

console.log('Installing the Node.js releases of node22 and node24 when missing (scripts/install-runtimes.mjs)…');
const runtimes = spawnSync(process.execPath, [join(repo, 'scripts', 'install-runtimes.mjs')], { stdio: 'inherit' });
if (runtimes.status !== 0) {
  console.error('The node22 and node24 runtimes could not be installed, so their tests cannot run. Fix the error above.');
  process.exit(1);
}

console.log(
  'Installing the isolation tools the process sandbox tests need when missing (scripts/services/install.sh isolation)…',
);
const isolation = spawnSync('bash', [join(repo, 'scripts', 'services', 'install.sh'), 'isolation'], { stdio: 'inherit' });
if (isolation.status !== 0) {
  console.error(
    'bubblewrap and slirp4netns could not be installed: the isolated process sandbox cannot be tested. Fix the error above.',
  );
  process.exit(1);
}

const needsPythonTools = selected.some((file) => /(lambda-api|third-party)/.test(relative(root, file)));
if (needsPythonTools) {
  console.log('Installing the AWS CLI and pip the Lambda API tests use when missing (scripts/services/install.sh python-tools)…');
  const tools = spawnSync('bash', [join(repo, 'scripts', 'services', 'install.sh'), 'python-tools'], { stdio: 'inherit' });
  if (tools.status !== 0) {
    console.error('The AWS CLI could not be installed: the Lambda API tests cannot run. Fix the error above.');
    process.exit(1);
  }
}

const needsBrowser = selected.some((file) => /console/.test(relative(root, file)));
if (needsBrowser) {
  console.log('Installing Chromium for the console tests when missing (scripts/services/install.sh browser)…');
  const browser = spawnSync('bash', [join(repo, 'scripts', 'services', 'install.sh'), 'browser'], { stdio: 'inherit' });
  if (browser.status !== 0) {
    console.error('Chromium could not be installed: the web console tests cannot run. Fix the error above.');
    process.exit(1);
  }
}

const needsServices = selected.some((file) => /(distributed|production-adapters)/.test(relative(root, file)));
if (needsServices) {
  console.log('Starting the services the distributed tests need (scripts/services/start.sh)…');
  const services = spawnSync('bash', [join(repo, 'scripts', 'services', 'start.sh')], { stdio: 'inherit' });
  if (services.status !== 0) {
    console.error(
      'The services did not start: the distributed tests cannot run. Fix the error above, or start them by hand with scripts/services/start.sh.',
    );
    process.exit(1);
  }
}

const needsDocker = selected.some((file) => /docker/.test(relative(root, file)));
if (needsDocker) {
  console.log('Starting the Docker engine and building the worker images (scripts/services/docker.sh)…');
  const docker = spawnSync('bash', [join(repo, 'scripts', 'services', 'docker.sh')], { stdio: 'inherit' });
  if (docker.status !== 0) {
    console.error(
      'The Docker engine did not start: the Docker sandbox tests cannot run. Fix the error above, or start it by hand with scripts/services/docker.sh.',
    );
    process.exit(1);
  }
}

console.log(`Running ${selected.length} test files: ${selected.map((f) => relative(root, f)).join(', ')}`);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
