// The storage contract (contract.ts) against the SQLite dialect, on a file and in memory.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectStoreOptions } from '../../src/storage/objectStore.js';
import { openSqliteStorage } from '../../src/storage/sqliteStorage.js';
import { tempDir } from '../support/server.js';
import { runStorageContract, type ContractHandle } from './contract.js';

function onFile(options: ObjectStoreOptions): ContractHandle {
  const dir = tempDir();
  const file = join(dir, 'contract.db');
  const at = (): ContractHandle => {
    const storage = openSqliteStorage(file, { ...options, checkpointer: false });
    return {
      store: storage.store,
      close: async () => {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
      reopen: async () => {
        await storage.close();
        return at();
      },
    };
  };
  return at();
}

function inMemory(options: ObjectStoreOptions): ContractHandle {
  const storage = openSqliteStorage(':memory:', options);
  return { store: storage.store, close: () => storage.close() };
}

runStorageContract('SQLite file', onFile);
runStorageContract('SQLite :memory:', inMemory);
