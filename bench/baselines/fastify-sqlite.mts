// Baseline for the write scenarios: fastify that parses the same JSON body and writes one row of
// a WAL SQLite file with better-sqlite3, with svcplane's pragmas (src/storage/database.ts), so
// the difference to svcplane is its Kubernetes work (validation, defaulting, allocation, change
// log, watch fan-out), not the framework or the storage engine. The ceiling of framework plus storage.
//   POST  .../services        insert one row                       (create, create-nodeport)
//   PUT   .../services/NAME   compare resourceVersion, update row   (update)
//   PATCH .../services/NAME   read row, RFC 7386 merge, update row  (patch)
//   GET   .../services/NAME, /count   for the benchmark's own bookkeeping
// Run: node --import tsx bench/baselines/fastify-sqlite.mts DB_FILE
import Database from 'better-sqlite3';
import { backstopPages, Checkpointer } from '../../src/storage/sqlite/checkpointer.js';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';

const file = process.argv[2];
if (!file) throw new Error('usage: fastify-sqlite.mts DB_FILE');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
// The same checkpointing as svcplane (src/storage/checkpointer.ts): storage engineering is part
// of the ceiling, so that the ratio measures Kubernetes work only.
db.pragma(`wal_autocheckpoint = ${backstopPages}`);
new Checkpointer(file);
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
db.exec(`CREATE TABLE IF NOT EXISTS objects (
  namespace TEXT NOT NULL, name TEXT NOT NULL, uid TEXT NOT NULL, resource_version INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (namespace, name)) WITHOUT ROWID`);
const insert = db.prepare('INSERT INTO objects (namespace, name, uid, resource_version, body) VALUES (?, ?, ?, ?, ?)');
const select = db.prepare('SELECT resource_version AS rv, body FROM objects WHERE namespace = ? AND name = ?');
const update = db.prepare('UPDATE objects SET resource_version = ?, body = ? WHERE namespace = ? AND name = ?');
const count = db.prepare('SELECT count(*) FROM objects').pluck();
let revision = Number(db.prepare('SELECT max(resource_version) FROM objects').pluck().get() ?? 0);

type Obj = { metadata?: Record<string, unknown> } & Record<string, unknown>;
type Params = { namespace: string; name: string };

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const app = Fastify({ logger: false, bodyLimit: 3 * 1024 * 1024 });
app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, (_req, body, done) => {
  try {
    done(null, JSON.parse(body as string));
  } catch (err) {
    done(err as Error, undefined);
  }
});

const createTx = db.transaction((namespace: string, obj: Obj) => {
  const meta = (obj.metadata ??= {});
  meta.namespace = namespace;
  meta.uid = randomUUID();
  meta.resourceVersion = String(++revision);
  meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const body = JSON.stringify(obj);
  insert.run(namespace, String(meta.name), meta.uid as string, revision, body);
  return body;
});

app.post<{ Params: { namespace: string }; Body: Obj }>('/api/v1/namespaces/:namespace/services', async (req, reply) => {
  try {
    const body = createTx(req.params.namespace, req.body);
    return reply.code(201).type('application/json').send(body);
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return reply.code(409).send({ reason: 'AlreadyExists' });
    throw err;
  }
});

const updateTx = db.transaction((p: Params, obj: Obj): string | number => {
  const row = select.get(p.namespace, p.name) as { rv: number } | undefined;
  if (!row) return 404;
  if (obj.metadata?.resourceVersion !== String(row.rv)) return 409;
  obj.metadata.resourceVersion = String(++revision);
  const body = JSON.stringify(obj);
  update.run(revision, body, p.namespace, p.name);
  return body;
});

app.put<{ Params: Params; Body: Obj }>('/api/v1/namespaces/:namespace/services/:name', async (req, reply) => {
  const r = updateTx(req.params, req.body);
  if (typeof r === 'number') return reply.code(r).send({ code: r });
  return reply.type('application/json').send(r);
});

const patchTx = db.transaction((p: Params, patch: unknown): string | number => {
  const row = select.get(p.namespace, p.name) as { rv: number; body: string } | undefined;
  if (!row) return 404;
  const obj = mergePatch(JSON.parse(row.body), patch) as Obj;
  (obj.metadata ??= {}).resourceVersion = String(++revision);
  const body = JSON.stringify(obj);
  update.run(revision, body, p.namespace, p.name);
  return body;
});

app.patch<{ Params: Params; Body: unknown }>('/api/v1/namespaces/:namespace/services/:name', async (req, reply) => {
  const r = patchTx(req.params, req.body);
  if (typeof r === 'number') return reply.code(r).send({ code: r });
  return reply.type('application/json').send(r);
});

app.get<{ Params: Params }>('/api/v1/namespaces/:namespace/services/:name', async (req, reply) => {
  const row = select.get(req.params.namespace, req.params.name) as { body: string } | undefined;
  if (!row) return reply.code(404).send({ code: 404 });
  return reply.type('application/json').send(row.body);
});
app.get('/count', async () => ({ count: Number(count.get()) }));
app.get('/readyz', async () => 'ok');

await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };
process.stdout.write(`fastify-sqlite baseline at http://127.0.0.1:${port}\n`);
process.once(
  'SIGTERM',
  () =>
    void app.close().then(() => {
      db.close();
      process.exit(0);
    }),
);
