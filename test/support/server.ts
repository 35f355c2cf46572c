// Starts a real svcplane on a loopback port with a real SQLite file, for tests. With
// SVCPLANE_TEST_DB=postgres each server gets a PostgreSQL database of its own instead (created
// here, dropped by stop()), so any API suite runs on the PostgreSQL dialect unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Svcplane } from '../../src/index.js';
import type { Extensions } from '../../src/server.js';
import type { SvcplaneOptions } from '../../src/config.js';
import type { PostgresServer } from './postgres.js';

export interface TestServer {
  server: Svcplane;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'svcplane-test-'));
}

export async function startServer(options: Partial<SvcplaneOptions> = {}, extensions: Extensions = {}): Promise<TestServer> {
  const dir = tempDir();
  const pg = options.db === undefined && process.env.SVCPLANE_TEST_DB === 'postgres' ? await postgresDatabase() : undefined;
  const server = await createServer({ port: 0, db: pg?.url ?? join(dir, 'svcplane.db'), logLevel: 'silent', ...options }, extensions);
  const url = await server.start();
  return {
    server,
    url,
    dir,
    async stop() {
      await server.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let server: Promise<PostgresServer> | undefined;

async function postgresDatabase() {
  const pg = await (server ??= import('./postgres.js').then((m) => m.postgres()));
  if (!pg.available) throw new Error(`SVCPLANE_TEST_DB=postgres: ${pg.reason}`);
  return pg.createDatabase();
}
