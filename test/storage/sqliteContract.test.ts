// The storage contract (contract.ts) against the SQLite dialect, on a file and in memory.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStorage } from '../../src/storage/sqlite/storage.js';
import { tempDir } from '../support/server.js';
import { runStorageContract, type ContractHandle, type ContractOptions } from './contract.js';

function onFile(options: ContractOptions): ContractHandle {
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

function inMemory(options: ContractOptions): ContractHandle {
  const storage = openSqliteStorage(':memory:', options);
  return { store: storage.store, close: () => storage.close() };
}

runStorageContract('SQLite file', onFile);
runStorageContract('SQLite :memory:', inMemory);
