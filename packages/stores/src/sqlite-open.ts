import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/** Folders of migrations/ holding one SQLite database's versioned schema. */
export type SqliteSchema = 'sqlite-catalog' | 'sqlite-invocations' | 'sqlite-queue';

/**
 * Applies the versioned SQL files of migrations/<schema>/ (`NNN-name.sql`) that the database has not
 * seen, in order, each in a transaction with the version it reaches (SQLite's user_version), as
 * MySQL's migrations do with their table. Answers the versions applied.
 */
export function migrateSqlite(db: SqliteDatabase, schema: SqliteSchema): number[] {
  const dir = new URL(`../migrations/${schema}/`, import.meta.url);
  const current = db.pragma('user_version', { simple: true }) as number;
  const applied: number[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /^\d+-.+\.sql$/.test(f))
    .sort()) {
    const version = Number(file.split('-')[0]);
    if (version <= current) continue;
    const sql = readFileSync(new URL(file, dir), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
    applied.push(version);
  }
  return applied;
}

/** Opens (creating) a SQLite file tuned for one writer process and many readers, with its schema up to date. */
export function openSqlite(file: string, schema: SqliteSchema): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  // Password hashes and environments: the server's user only (SQLite gives its WAL files the same mode).
  if (file !== ':memory:') chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateSqlite(db, schema);
  return db;
}
