import { readdir, readFile } from 'node:fs/promises';
import type { Pool } from 'mysql2/promise';
import type { Logger } from '@nubo/core';

const migrationsDir = new URL('../migrations/mysql/', import.meta.url);

/**
 * Applies the versioned SQL files of migrations/mysql/ that the database has not seen, in order.
 * A named lock serialises gateways that start at the same moment; each migration is recorded in
 * nubo_schema_migrations.
 */
export async function migrateMysql(pool: Pool, logger: Logger): Promise<void> {
  const conn = await pool.getConnection();
  try {
    const [[lock]] = (await conn.query("SELECT GET_LOCK('nubo_schema_migrations', 60) AS got")) as unknown as [[{ got: number }]];
    if (lock?.got !== 1) throw new Error('another process held the migration lock for 60 s');
    await conn.query(
      'CREATE TABLE IF NOT EXISTS nubo_schema_migrations (version INT PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB',
    );
    const [rows] = (await conn.query('SELECT version FROM nubo_schema_migrations')) as unknown as [{ version: number }[]];
    const applied = new Set(rows.map((r) => r.version));
    const files = (await readdir(migrationsDir)).filter((f) => /^\d+-.+\.sql$/.test(f)).sort();
    for (const file of files) {
      const version = Number(file.split('-')[0]);
      if (applied.has(version)) continue;
      const sql = await readFile(new URL(file, migrationsDir), 'utf8');
      for (const statement of sql
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter(Boolean)) {
        await conn.query(statement);
      }
      await conn.query('INSERT INTO nubo_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        version,
        file,
        Date.now(),
      ]);
      logger.info({ migration: file }, 'applied catalog migration');
    }
  } finally {
    await conn.query("SELECT RELEASE_LOCK('nubo_schema_migrations')").catch(() => undefined);
    conn.release();
  }
}
