import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { freePort } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { signupAndDeployProbe } from '../helpers/probe-deploy.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const dayMs = 86_400_000;

describe('NUBO_LOG_RETENTION_DAYS in embedded mode', () => {
  it('deletes the records that started before the retention at start-up, a chunk at a time, and keeps the others', async () => {
    const dataDir = await tempDir('nubo-retention-');
    const port = await freePort('127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const start = async (retentionDays?: string) => {
      const server = startNuboProcess('server', {
        NUBO_PORT: String(port),
        NUBO_DATA_DIR: dataDir,
        NUBO_LOG_LEVEL: 'info',
        NUBO_LOG_FORMAT: 'json',
        NUBO_STEM_CELLS: '0',
        ...(retentionDays ? { NUBO_LOG_RETENTION_DAYS: retentionDays } : {}),
      });
      await eventually('the server answers', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok);
      return server;
    };
    const stop = async (server: ReturnType<typeof startNuboProcess>) => {
      server.process.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    };

    let server = await start();
    const key = await signupAndDeployProbe(url);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(url, 'POST', '/v1/functions/probe/invoke', { key, body: {} });
      assert.equal(res.status, 200, res.text);
      ids.push(res.headers.get('x-nubo-request-id')!);
    }
    await stop(server);

    // Two of the records date back: 31 days (past a 30-day retention) and 29 days (within it).
    const [old, recent, fresh] = ids as [string, string, string];
    const db = new Database(join(dataDir, 'invocations.db'));
    const backdate = db.prepare('UPDATE invocations SET started_at = ? WHERE request_id = ?');
    assert.equal(backdate.run(Date.now() - 31 * dayMs, old).changes, 1);
    assert.equal(backdate.run(Date.now() - 29 * dayMs, recent).changes, 1);
    // A backlog of more than one deletion chunk (a thousand) of old records, copies of the old one.
    const row = db.prepare('SELECT * FROM invocations WHERE request_id = ?').get(old) as Record<string, unknown>;
    const columns = Object.keys(row);
    const copy = db.prepare(`INSERT INTO invocations (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
    db.transaction(() => {
      for (let i = 0; i < 2500; i++) copy.run({ ...row, request_id: `${old.slice(0, -4)}${i.toString(16).padStart(4, '0')}` });
    })();
    db.close();
    const oldRecords = () => {
      const reader = new Database(join(dataDir, 'invocations.db'), { readonly: true });
      const { n } = reader.prepare('SELECT COUNT(*) AS n FROM invocations WHERE started_at < ?').get(Date.now() - 30 * dayMs) as {
        n: number;
      };
      reader.close();
      return n;
    };
    assert.equal(oldRecords(), 2501);
    const found = async (id: string) => (await call(url, 'GET', `/v1/invocations/${id}`, { key })).status;

    server = await start();
    assert.deepEqual(await Promise.all(ids.map(found)), [200, 200, 200], 'without the setting every record is kept');
    await stop(server);

    server = await start('30');
    await eventually('the old records are deleted', async () => /"deleted":2501\b/.test(server.output()));
    assert.equal(oldRecords(), 0);
    assert.equal(await found(old), 404);
    assert.equal(await found(recent), 200);
    assert.equal(await found(fresh), 200);
    await stop(server);
  });
});
