// Starts a real svcplane on a loopback port with a real SQLite file, for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Svcplane } from '../../src/index.js';
import type { Extensions } from '../../src/server.js';
import type { SvcplaneOptions } from '../../src/config.js';

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
  const server = await createServer({ port: 0, db: join(dir, 'svcplane.db'), logLevel: 'silent', ...options }, extensions);
  const url = await server.start();
  return {
    server,
    url,
    dir,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
