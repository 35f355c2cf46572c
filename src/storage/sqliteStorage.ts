// One SQLite database as the server's storage: the object store, the fake cloud's store, the
// checkpointer, and closing them in order. The server and the CLI open storage through this and
// never hold the raw handle, so a second database needs a sibling of this file, not their edits.
import type { LoadBalancerStore } from '../cloud/loadBalancerStore.js';
import { Checkpointer } from './checkpointer.js';
import { openDatabase } from './database.js';
import { ObjectStore, type ObjectStoreOptions } from './objectStore.js';
import { SqliteLoadBalancerStore } from './sqliteCloudStore.js';

export interface Storage {
  readonly store: ObjectStore;
  /** The fake cloud's store on the same database; each of its writes commits the store's open batch first. */
  loadBalancers(): LoadBalancerStore;
  /** Commits what is pending, then closes the database. */
  close(): Promise<void>;
}

export interface OpenStorageOptions extends Partial<ObjectStoreOptions> {
  /** Checkpoints the WAL on a worker thread (a file only); on by default. */
  checkpointer?: boolean;
}

/** `path` is a file, created and migrated as needed, or ':memory:'. */
export function openSqliteStorage(path: string, options: OpenStorageOptions = {}): Storage {
  const { checkpointer: wantCheckpointer = true, ...storeOptions } = options;
  const db = openDatabase(path);
  const checkpointer = path === ':memory:' || !wantCheckpointer ? undefined : new Checkpointer(path);
  const store = new ObjectStore(db, { ...storeOptions, historySize: storeOptions.historySize ?? 10_000 });
  return {
    store,
    loadBalancers: () => new SqliteLoadBalancerStore(db, () => store.flush()),
    async close() {
      store.flush();
      await checkpointer?.stop();
      db.close();
    },
  };
}
