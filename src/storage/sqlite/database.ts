// Opening the SQLite file and bringing its schema up to date. Migrations are the numbered
// files in migrations/ at the package root; each runs once, in its own transaction, and is
// recorded, so a database written by an older svcplane opens with a newer one.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backstopPages } from './checkpointer.js';

export type SqliteDatabase = Database.Database;

/**
 * migrations/ at the package root: the nearest one above this module, which is src/storage or
 * dist/storage, or dist/ when the CLI runs as one bundled file (scripts/bundle.mjs).
 */
export const migrationsDir = findUp(dirname(fileURLToPath(import.meta.url)), 'migrations');

function findUp(from: string, name: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, name);
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return join(from, '..', '..', name);
  }
}

export function openDatabase(path: string): SqliteDatabase {
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (kill -9) without losing a committed
  // transaction; only a power loss can drop the last few, which is fine for an emulator.
  db.pragma('synchronous = NORMAL');
  // Checkpoints are the Checkpointer's job, on its own thread; this is only the backstop.
  db.pragma(`wal_autocheckpoint = ${backstopPages}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: SqliteDatabase, dir = migrationsDir): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const files = readdirSync(dir)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort();
  const ran: string[] = [];
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    if (applied.has(version)) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, file, new Date().toISOString());
    })();
    ran.push(file);
  }
  return ran;
}
