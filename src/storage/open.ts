// Which dialect a --db value names: a postgres:// (or postgresql://) URL is PostgreSQL, shared
// by every replica started with it; anything else is a SQLite file, or :memory:. The PostgreSQL
// dialect (and its driver) is loaded only when named.
import { openSqliteStorage } from './sqlite/storage.js';
import type { Storage } from './storage.js';

export interface OpenOptions {
  historySize: number;
  /** A group commit no request waited on failed (SQLite). */
  onCommitError?: (err: unknown) => void;
  onListenerError?: (err: unknown) => void;
  /** The database connection failed or the change feed could not be read (PostgreSQL). */
  onFeedError?: (err: unknown) => void;
  /** The change feed fell behind the pruned history (PostgreSQL): watches here cannot go on. */
  onFeedLost?: (err: unknown) => void;
  /** Checkpoints the WAL on a worker thread (SQLite files). */
  checkpointer?: boolean;
}

/** A --db value that names PostgreSQL rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

export async function openStorage(db: string, options: OpenOptions): Promise<Storage> {
  if (isPostgresUrl(db)) {
    const { openPostgresStorage } = await import('./postgres/storage.js');
    return openPostgresStorage(db, {
      historySize: options.historySize,
      onListenerError: options.onListenerError,
      onFeedError: options.onFeedError,
      onFeedLost: options.onFeedLost,
    });
  }
  const { onFeedError: _e, onFeedLost: _l, ...sqlite } = options;
  return openSqliteStorage(db, sqlite);
}
