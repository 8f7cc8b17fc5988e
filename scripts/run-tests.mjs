#!/usr/bin/env node
// Runs every compiled test file with Node's test runner. Node 20's --test takes no globs, so the
// files are listed here. Extra arguments filter the files by substring: `npm test -- concurrency`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', 'test', 'dist');
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
console.log(`Running ${selected.length} test files: ${selected.map((f) => relative(root, f)).join(', ')}`);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
