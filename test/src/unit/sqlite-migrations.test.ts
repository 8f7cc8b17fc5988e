import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateSqlite, openSqlite } from '@nubo/stores';
import { tempDir } from '../helpers/temp-dir.js';

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );

describe('SQLite schema migrations', () => {
  it('bring a new database to the latest version once, and apply nothing the second time', async () => {
    const db = openSqlite(join(await tempDir('nubo-sqlite-'), 'catalog.db'), 'sqlite-catalog');
    assert.ok((db.pragma('user_version', { simple: true }) as number) >= 1);
    assert.deepEqual(tables(db), ['api_keys', 'functions', 'sessions', 'user_quotas', 'users', 'versions']);
    assert.deepEqual(migrateSqlite(db, 'sqlite-catalog'), []);
    db.close();
  });

  it('adopt a database made before versioned migrations, keeping its rows', async () => {
    const file = join(await tempDir('nubo-sqlite-'), 'catalog.db');
    const old = new Database(file);
    // The schema as the server created it before it was versioned (user_version 0).
    old.exec(
      readFileSync(new URL('../../../packages/stores/migrations/sqlite-catalog/001-initial.sql', import.meta.url), 'utf8'),
    );
    old
      .prepare('INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES (?, ?, ?, 1, 0)')
      .run('u1', 'ada', 'x');
    old
      .prepare(
        "INSERT INTO functions (id, owner_id, name, public, active_version, created_at, updated_at) VALUES ('f1', 'u1', 'fn', 0, 1, 0, 0)",
      )
      .run();
    old
      .prepare(
        `INSERT INTO versions (function_id, version, runtime, handler, code_digest, code_size, env_json, memory_mb, timeout_ms,
           max_concurrency, min_warm, idle_ttl_ms, created_at) VALUES ('f1', 1, 'node20', 'index.handler', 'd', 1, '{}', 128, 1000, 1, 0, 1000, 0)`,
      )
      .run();
    old
      .prepare("INSERT INTO api_keys (id, user_id, name, key_hash, prefix, created_at) VALUES ('k1', 'u1', 'cli', 'h', 'p', 0)")
      .run();
    old.close();
    const db = new Database(file);
    assert.deepEqual(migrateSqlite(db, 'sqlite-catalog'), [1, 2, 3, 4, 5, 6]);
    assert.equal((db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n, 1);
    assert.equal(
      (db.prepare('SELECT network FROM versions').get() as { network: string }).network,
      'egress',
      'versions made before keep their network',
    );
    assert.equal(
      (db.prepare('SELECT count(*) AS n FROM api_keys WHERE sealed_key IS NULL').get() as { n: number }).n,
      1,
      'keys made before have no sealed copy (they keep working as Bearer keys)',
    );
    assert.equal(
      (db.prepare('SELECT async_json FROM versions').get() as { async_json: string | null }).async_json,
      null,
      'versions made before get the default async settings',
    );
    db.close();
  });

  it("number the invocation records made before, so an async event's retries can be records of their own", async () => {
    const file = join(await tempDir('nubo-sqlite-'), 'invocations.db');
    const old = new Database(file);
    old.exec(
      readFileSync(new URL('../../../packages/stores/migrations/sqlite-invocations/001-initial.sql', import.meta.url), 'utf8'),
    );
    old.pragma('user_version = 1');
    const insert = `INSERT INTO invocations (request_id, owner_id, function_id, function_name, version, trigger, started_at,
      duration_ms, cold, queue_ms, memory_limit_mb, status, logs, logs_truncated) VALUES ('r1', 'u1', 'f1', 'fn', 1, 'invoke', 5, 1, 0, 0, 128, 'ok', '', 0)`;
    old.exec(insert);
    old.close();
    const db = new Database(file);
    assert.deepEqual(migrateSqlite(db, 'sqlite-invocations'), [2, 3, 4, 5]);
    assert.deepEqual(db.prepare('SELECT request_id, attempt FROM invocations').all(), [{ request_id: 'r1', attempt: 1 }]);
    db.exec(insert.replace('(request_id, ', '(attempt, request_id, ').replace("VALUES ('r1'", "VALUES (2, 'r1'"));
    assert.throws(() => db.exec(insert), /UNIQUE/, 'one record per request id and attempt');
    db.close();
  });
});
