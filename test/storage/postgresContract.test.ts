// The storage contract (contract.ts) against the PostgreSQL dialect: each store in a database
// of its own, created and dropped here. Skips, saying why, where no PostgreSQL server answers.
import { after } from 'node:test';
import { openPostgresStorage } from '../../src/storage/postgres/storage.js';
import { runStorageContract, type ContractHandle, type ContractOptions } from './contract.js';
import { postgres } from '../support/postgres.js';

const server = await postgres();
if (!server.available) {
  console.log(`# skipping the PostgreSQL storage contract: ${server.reason}`);
} else {
  const open = async (options: ContractOptions): Promise<ContractHandle> => {
    const db = await server.createDatabase();
    const at = async (): Promise<ContractHandle> => {
      const storage = await openPostgresStorage(db.url, options);
      return {
        store: storage.store,
        close: async () => {
          await storage.close();
          await db.drop();
        },
        reopen: async () => {
          await storage.close();
          return at();
        },
      };
    };
    return at();
  };
  runStorageContract('PostgreSQL', open);
  after(() => server.end());
}
