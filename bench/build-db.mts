// Writes databases holding COUNT ClusterIP Services in namespace default, for the `start`
// scenario. It runs the built server in-process (dist/server.js) and creates each Service
// through the same ServiceRegistry.create the POST handler calls (defaulting, validation,
// cluster IP allocation, change log, one transaction per object), so the file is what a server
// would have written, without 100,000 HTTP round trips. With several counts it creates up to
// each in turn and snapshots the database there (OUT_PREFIX-COUNT.db).
// Run: node --import tsx bench/build-db.mts OUT_PREFIX COUNT [COUNT ...]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [prefix, ...countArgs] = process.argv.slice(2);
const counts = countArgs.map(Number).sort((a, b) => a - b);
if (!prefix || counts.length === 0 || counts.some((c) => !Number.isInteger(c) || c < 0)) throw new Error('usage: build-db.mts OUT_PREFIX COUNT [COUNT ...]');

// Typed from the source, loaded from the build the benchmark measures.
const { createServer } = (await import(pathToFileURL(resolve('dist/server.js')).href)) as typeof import('../src/server.js');
const dir = mkdtempSync(join(tmpdir(), 'svcplane-build-db-'));
try {
  const server = await createServer({ db: join(dir, 'build.db'), port: 0, host: '127.0.0.1', logLevel: 'silent' });
  await server.start();
  const db = (server.store as unknown as { db: import('better-sqlite3').Database }).db;
  // A page cache that holds the whole file: speed only, the content is the same.
  db.pragma('cache_size = -400000');
  // Creates made with no pause between them share one COMMIT (the store's group commit); the
  // rows are the same as from separate requests, only the number of commits is smaller.
  const batch = async (from: number, to: number) => {
    const creates: Promise<unknown>[] = [];
    for (let i = from; i < to; i++) {
      creates.push(server.services.create('default', { metadata: { name: `svc-${String(i).padStart(6, '0')}` }, spec: { ports: [{ port: 80 }] } }));
    }
    await Promise.all(creates);
    await server.store.durable();
  };
  const t0 = performance.now();
  let made = 0;
  const written: Record<number, number> = {};
  for (const count of counts) {
    for (; made < count; made = Math.min(count, made + 1000)) await batch(made, Math.min(count, made + 1000));
    await db.backup(`${prefix}-${count}.db`);
    written[count] = Math.round(performance.now() - t0);
  }
  await server.close();
  process.stdout.write(`${JSON.stringify({ prefix, ms: written })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
