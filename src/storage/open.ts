// Which dialect a --db value names: a postgres:// (or postgresql://) URL is PostgreSQL, shared
// by every replica started with it; anything else is a SQLite file, or :memory:.
import { openPostgresStorage, isPostgresUrl } from './postgres/storage.js';
import { openSqliteStorage } from './sqlite/storage.js';
import type { Storage } from './storage.js';

export interface OpenOptions {
  historySize: number;
  /** A group commit no request waited on failed (SQLite). */
  onCommitError?: (err: unknown) => void;
  onListenerError?: (err: unknown) => void;
  /** The database connection failed or the change feed could not be read (PostgreSQL). */
  onFeedError?: (err: unknown) => void;
  /** Checkpoints the WAL on a worker thread (SQLite files). */
  checkpointer?: boolean;
}

export { isPostgresUrl };

export async function openStorage(db: string, options: OpenOptions): Promise<Storage> {
  if (isPostgresUrl(db))
    return openPostgresStorage(db, { historySize: options.historySize, onListenerError: options.onListenerError, onFeedError: options.onFeedError });
  return openSqliteStorage(db, options);
}
