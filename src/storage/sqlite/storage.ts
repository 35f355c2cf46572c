// One SQLite database as the server's storage (../storage.ts): the object store, the fake cloud's
// store, the checkpointer, and closing them in order. The server and the CLI open storage through
// this and never hold the raw handle, so a second database needs a sibling of this folder.
import type { Storage } from '../storage.js';
import { Checkpointer } from './checkpointer.js';
import { openDatabase } from './database.js';
import { SqliteLoadBalancerStore } from './loadBalancerStore.js';
import { SqliteObjectStore, type ObjectStoreOptions } from './objectStore.js';

export interface SqliteStorage extends Storage {
  readonly store: SqliteObjectStore;
}

export interface OpenStorageOptions extends Partial<ObjectStoreOptions> {
  /** Checkpoints the WAL on a worker thread (a file only); on by default. */
  checkpointer?: boolean;
}

/** `path` is a file, created and migrated as needed, or ':memory:'. */
export function openSqliteStorage(path: string, options: OpenStorageOptions = {}): SqliteStorage {
  const { checkpointer: wantCheckpointer = true, ...storeOptions } = options;
  const db = openDatabase(path);
  const checkpointer = path === ':memory:' || !wantCheckpointer ? undefined : new Checkpointer(path);
  const store = new SqliteObjectStore(db, { ...storeOptions, historySize: storeOptions.historySize ?? 10_000 });
  return {
    store,
    shared: false,
    reachable: () => true,
    loadBalancers: () => new SqliteLoadBalancerStore(db, () => store.flush()),
    async close() {
      store.flush();
      await checkpointer?.stop();
      db.close();
    },
  };
}
