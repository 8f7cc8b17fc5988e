import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@nubo/core';
import { EgressPolicy, ProcessSandbox, decideIsolation, sandboxDirs } from '@nubo/manager';
import { startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Tells who it runs as, what it sees of its environment and code, and what it can read. */
const inspector = `
import { readdirSync, readFileSync } from 'node:fs';
export const handler = async (event, context) => {
  const tryRead = (path) => { try { return readFileSync(path, 'utf8').length; } catch (err) { return err.code; } };
  return {
    who: process.env.WHO ?? null,
    other: process.env.OTHER ?? null,
    nubo: Object.keys(process.env).filter((k) => k.startsWith('NUBO_')),
    uid: process.getuid(),
    files: readdirSync('.').sort(),
    functionName: context.functionName,
    read: event.read ? tryRead(event.read) : null,
  };
};
`;
const python = {
  'app.py': 'import os\ndef handler(event, context):\n    return {"who": os.environ.get("WHO"), "name": context.function_name}\n',
};

const dirs = await sandboxDirs(await tempDir(), 'stem-test', true);
const { isolation } = await decideIsolation(
  { mode: 'required', managerId: 'stem-test', dirs, egress: new EgressPolicy() },
  createLogger({ level: 'silent' }),
);
after(() => dirs.remove());

describe('stem cells: cold starts on pre-started, isolated runtimes', () => {
  let nubo: TestNubo;
  let key: string;
  const stemsReady = (n = 1) =>
    eventually(`${n} stem cell(s) ready`, async () => nubo.managers()[0]!.load().stems.room.workers >= n);
  const lastRecord = async (name: string) => (await nubo.call('GET', `/v1/functions/${name}/logs?limit=1`, { key })).body[0];

  before(async () => {
    nubo = await startNubo({ NUBO_STEM_CELLS: '1' });
    key = await nubo.signup('stem');
  });
  after(() => nubo.close());

  it('serves a cold start from a stem cell that becomes that function and nothing else', async () => {
    await nubo.deploy(key, 'first', { 'index.mjs': inspector, 'first.txt': 'a' }, { runtime: 'node22', env: { WHO: 'first' } });
    await nubo.deploy(
      key,
      'second',
      { 'index.mjs': inspector, 'second.txt': 'b' },
      { runtime: 'node22', env: { OTHER: 'second' } },
    );
    await stemsReady();
    const first = await nubo.invoke(key, 'first', {});
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('x-nubo-cold-start'), 'true');
    const record = await lastRecord('first');
    assert.equal(record.stemCell, true, 'the record says a stem cell served it');
    assert.ok(record.initMs > 0);
    assert.deepEqual(first.body, {
      who: 'first',
      other: null,
      nubo: [],
      uid: 65534,
      files: ['first.txt', 'index.mjs'],
      functionName: 'first',
      read: null,
    });

    await stemsReady();
    const second = await nubo.invoke(key, 'second', { read: '/code/first.txt' });
    assert.equal((await lastRecord('second')).stemCell, true);
    assert.equal(second.body.who, null, "nothing of the first function's environment");
    assert.equal(second.body.other, 'second');
    assert.deepEqual(second.body.files, ['index.mjs', 'second.txt'], 'only its own code');
    assert.equal(second.body.read, 'ENOENT');
    const warm = await nubo.invoke(key, 'first', {});
    assert.equal(warm.headers.get('x-nubo-cold-start'), 'false', 'a specialised stem cell is an ordinary worker after');
    assert.equal((await lastRecord('first')).stemCell, false);
  });

  it('specialises Python stem cells too', async () => {
    await nubo.deploy(key, 'py', python, { runtime: 'python3.11', handler: 'app.handler', env: { WHO: 'python' } });
    // The node22 kind's stem cell, and now one of the Python kind the deploy's start made wanted.
    await stemsReady(2);
    const res = await nubo.invoke(key, 'py', {});
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { who: 'python', name: 'py' });
    assert.equal((await lastRecord('py')).stemCell, true);
  });

  it('refuses a deploy whose handler does not load on a stem cell, with the usual message', async () => {
    await stemsReady();
    const res = await nubo.call('PUT', '/v1/functions/broken', {
      key,
      body: { runtime: 'node22', handler: 'index.missing', code: { files: { 'index.mjs': inspector } } },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'NUBO_ERR_DEPLOY_HANDLER_EXPORT_MISSING');
  });

  it('takes only spare room, and gives it up first when a worker needs it', async () => {
    const small = await startNubo({ NUBO_STEM_CELLS: '1', NUBO_MANAGER_CAPACITY: '4' });
    after(() => small.close());
    const owner = await small.signup('small');
    const manager = small.managers()[0]!;
    // A deploy's probe start asks for a stem cell of its kind; the call waits until it has started (or not).
    const coldStart = async (name: string, runtime: string) => {
      await small.deploy(owner, name, { 'index.mjs': inspector }, { runtime });
      await eventually('no stem cell is starting', async () => manager.load().starting === 0);
      assert.equal((await small.invoke(owner, name, {})).status, 200);
    };
    await coldStart('kept', 'node22');
    await eventually('a node22 stem cell is ready', async () => manager.load().stems.room.workers === 1);
    // Kept, the node22 stem cell and this worker leave one place: a node24 stem cell would take the last one.
    await coldStart('other', 'node24');
    assert.equal(manager.load().used.workers, 3, 'no stem cell started for the last place');
    assert.equal(manager.load().stems.room.workers, 1);
    // Two more cold starts fill the node: the second (its deploy's probe) evicts the stem cell, not an idle worker.
    await coldStart('newcomer', 'node20');
    assert.equal(manager.load().stems.room.workers, 1);
    await coldStart('latecomer', 'node20');
    assert.equal(manager.load().stems.room.workers, 0, 'the stem cell made room');
    for (const name of ['kept', 'other', 'newcomer'])
      assert.equal((await small.invoke(owner, name, {})).headers.get('x-nubo-cold-start'), 'false', `${name} stayed warm`);
  });

  it('spaces stem-cell starts by NUBO_STEM_CELL_REFILL_MS', async () => {
    const spaced = await startNubo({ NUBO_STEM_CELLS: '1', NUBO_STEM_CELL_REFILL_MS: '4000' });
    after(() => spaced.close());
    const owner = await spaced.signup('spaced');
    const manager = spaced.managers()[0]!;
    // The first deploy's probe is a usual start and asks for a stem cell, which starts at once.
    await spaced.deploy(owner, 'one', { 'index.mjs': inspector }, { runtime: 'node22' });
    await eventually('a stem cell is ready', async () => manager.load().stems.room.workers === 1);
    // The second deploy's probe takes it; the refill waits for the interval since the last stem-cell start.
    await spaced.deploy(owner, 'two', { 'index.mjs': inspector }, { runtime: 'node22' });
    assert.deepEqual(
      { stemCells: manager.load().stems.room.workers, starting: manager.load().starting },
      { stemCells: 0, starting: 0 },
      'no stem cell started right after the take',
    );
    await eventually('the stem cell is refilled after the interval', async () => manager.load().stems.room.workers === 1);
  });
});

describe('a stem cell in the process sandbox', () => {
  it('is specialised once: a second specialisation is refused', async () => {
    const sandbox = new ProcessSandbox({ workDir: await tempDir(), logger: createLogger({ level: 'silent' }), isolation });
    after(() => sandbox.destroyAll());
    const codeDir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${codeDir}/index.mjs`, 'export const handler = async () => 1;\n');
    await sandbox.startStem('wrk_stem1', { runtime: 'node22', memoryMb: 128, network: 'none' });
    assert.deepEqual(sandbox.running(), ['wrk_stem1'], 'a stem cell runs as a sandboxed process');
    const spec = {
      functionId: 'fn_1',
      functionName: 'one',
      version: 1,
      runtime: 'node22' as const,
      handler: 'index.handler',
      codeDigest: 'x',
      env: {},
      network: 'none' as const,
      memoryMb: 128,
      timeoutMs: 1000,
      idleTtlMs: 60_000,
      minWarm: 0,
    };
    const placed = await sandbox.specialise({ workerId: 'wrk_stem1', spec, codeDir, secret: 's1' });
    assert.match(placed.address, /^unix:/);
    await assert.rejects(
      sandbox.specialise({ workerId: 'wrk_stem1', spec: { ...spec, functionName: 'two' }, codeDir, secret: 's2' }),
      /no stem cell waiting/,
    );
  });
});
