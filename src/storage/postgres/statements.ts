// The object store's hot statements (objectStore.ts), each prepared once per connection: on the
// pool through the extended protocol's named statements, on the writer with SQL PREPARE and
// EXECUTE, so that several of them (a write's SAVEPOINT, its statements, the ones optimistic
// writes left for later) travel in one simple-protocol round trip with their parameters inlined.
import type pg from 'pg';
import type { AllocationRow, ObjectKey, StoredObject } from '../objectStore.js';

/** A statement prepared once per connection; `types` are its parameters' for SQL PREPARE. */
export interface Prepared {
  name: string;
  text: string;
  types: string[];
  /** Changes nothing. */
  read?: true;
}

const t3 = ['text', 'text', 'text'];
export const statements = {
  head: {
    name: 'svcplane_head',
    text: `SELECT greatest(coalesce((SELECT max(revision) FROM change_log), 0),
             coalesce((SELECT value::bigint FROM settings WHERE key = 'compacted_revision'), 0)) AS rev`,
    types: [],
  },
  get: {
    read: true,
    name: 'svcplane_get',
    text: 'SELECT uid, resource_version AS rv, body FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3',
    types: t3,
  },
  listAll: { read: true, name: 'svcplane_list_all', text: 'SELECT body FROM objects WHERE resource = $1 ORDER BY namespace, name', types: ['text'] },
  listNs: {
    read: true,
    name: 'svcplane_list_ns',
    text: 'SELECT body FROM objects WHERE resource = $1 AND namespace = $2 ORDER BY name',
    types: ['text', 'text'],
  },
  count: { read: true, name: 'svcplane_count', text: 'SELECT count(*) AS n FROM objects WHERE resource = $1 AND namespace = $2', types: ['text', 'text'] },
  allocation: {
    read: true,
    name: 'svcplane_allocation',
    text: 'SELECT pool, value, resource, namespace, name, uid FROM allocations WHERE pool = $1 AND value = $2',
    types: ['text', 'text'],
  },
  insert: {
    name: 'svcplane_insert',
    text: `WITH ins AS (INSERT INTO objects (resource, namespace, name, uid, resource_version, body) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING RETURNING 1)
           INSERT INTO change_log (revision, resource, namespace, name, event, body) SELECT $5, $1, $2, $3, 'ADDED', $6 FROM ins`,
    types: ['text', 'text', 'text', 'text', 'bigint', 'text'],
  },
  update: {
    name: 'svcplane_update',
    text: `WITH prev AS (SELECT body FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3),
           upd AS (UPDATE objects SET uid = $4, resource_version = $5, body = $6 WHERE resource = $1 AND namespace = $2 AND name = $3)
           INSERT INTO change_log (revision, resource, namespace, name, event, body, prev_body)
           SELECT $5, $1, $2, $3, 'MODIFIED', $6, (SELECT body FROM prev) RETURNING prev_body AS prev`,
    types: ['text', 'text', 'text', 'text', 'bigint', 'text'],
  },
  remove: {
    name: 'svcplane_remove',
    text: `WITH del AS (DELETE FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3 RETURNING body)
           INSERT INTO change_log (revision, resource, namespace, name, event, body, prev_body)
           SELECT $4, $1, $2, $3, 'DELETED', $5, (SELECT body FROM del) RETURNING prev_body AS prev`,
    types: ['text', 'text', 'text', 'bigint', 'text'],
  },
  allocate: {
    name: 'svcplane_allocate',
    text: 'INSERT INTO allocations (pool, value, resource, namespace, name, uid) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
    types: ['text', 'text', 'text', 'text', 'text', 'text'],
  },
  release: { name: 'svcplane_release', text: 'DELETE FROM allocations WHERE pool = $1 AND value = $2 AND uid = $3', types: t3 },
  // An optimistic write's (see WriterIO): a clash is an error, which stops the round trip it
  // travels in, rather than no row, which nobody would look at in time.
  insertOrFail: {
    name: 'svcplane_insert_or_fail',
    text: `WITH ins AS (INSERT INTO objects (resource, namespace, name, uid, resource_version, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING 1)
           INSERT INTO change_log (revision, resource, namespace, name, event, body) SELECT $5, $1, $2, $3, 'ADDED', $6 FROM ins`,
    types: ['text', 'text', 'text', 'text', 'bigint', 'text'],
  },
  allocateOrFail: {
    name: 'svcplane_allocate_or_fail',
    text: 'INSERT INTO allocations (pool, value, resource, namespace, name, uid) VALUES ($1, $2, $3, $4, $5, $6)',
    types: ['text', 'text', 'text', 'text', 'text', 'text'],
  },
} satisfies Record<string, Prepared>;

/** What the writer PREPAREs when it connects. */
export const prepareAll = Object.values(statements)
  .map((p: Prepared) => `PREPARE ${p.name}${p.types.length ? `(${p.types.join(', ')})` : ''} AS ${p.text};`)
  .join('\n');

/** What statements run on: the pool, or the writer through its savepoint. */
export interface Statements {
  run<R extends pg.QueryResultRow = pg.QueryResultRow>(s: Prepared, params: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The pool: each connection prepares a statement on its first use (the extended protocol's named statements). */
export function onPool(p: pg.Pool): Statements {
  return { run: <R extends pg.QueryResultRow>(s: Prepared, values: unknown[]) => p.query<R>({ name: s.name, text: s.text, values }) };
}

export function literal(c: pg.Client, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  return c.escapeLiteral(String(value));
}

export async function getObject(c: Statements, key: ObjectKey): Promise<StoredObject | undefined> {
  const { rows } = await c.run<{ uid: string; rv: string; body: string }>(statements.get, [key.resource, key.namespace, key.name]);
  const row = rows[0];
  return row && { resource: key.resource, namespace: key.namespace, name: key.name, uid: row.uid, resourceVersion: Number(row.rv), body: row.body };
}

export async function listBodies(c: Statements, resource: string, namespace?: string): Promise<string[]> {
  const { rows } =
    namespace === undefined
      ? await c.run<{ body: string }>(statements.listAll, [resource])
      : await c.run<{ body: string }>(statements.listNs, [resource, namespace]);
  return rows.map((r) => r.body);
}

export async function countObjects(c: Statements, resource: string, namespace: string): Promise<number> {
  const { rows } = await c.run<{ n: string }>(statements.count, [resource, namespace]);
  return Number(rows[0].n);
}

export async function getAllocation(c: Statements, pool: string, value: string): Promise<AllocationRow | undefined> {
  const { rows } = await c.run<AllocationRow>(statements.allocation, [pool, value]);
  return rows[0];
}

/** Thrown into an optimistic write when a round trip carrying deferred statements failed. */
export class DeferredConflict extends Error {}

/** A five-character SQLSTATE outside class 08 (connection) and the shutdown codes: the statement failed, not the link. */
export function isSqlError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}

export function execText(c: pg.Client, s: Prepared, params: unknown[]): string {
  return params.length === 0 ? `EXECUTE ${s.name}` : `EXECUTE ${s.name}(${params.map((v) => literal(c, v)).join(', ')})`;
}

/**
 * The writer connection during one batch. Optimistic writes (replayable ones, see
 * TransactionOptions) leave their inserts here, answered at once; they travel with the next
 * round trip, at the latest with the COMMIT. If such a round trip fails, every optimistic write
 * since the region's SAVEPOINT is rolled back and run again (objectStore.ts, runBatch).
 */
export class WriterIO {
  /** Statements answered but not sent yet. */
  pending: string[] = [];
  /** A round trip carrying pending statements failed: the region must be rolled back. */
  failed = false;

  constructor(readonly c: pg.Client) {}

  exec(s: Prepared, params: unknown[]): string {
    return execText(this.c, s, params);
  }

  /** Sends what is pending and then `texts`, in one round trip; the last statement's result. */
  async send<R extends pg.QueryResultRow = pg.QueryResultRow>(texts: string[]): Promise<pg.QueryResult<R> | undefined> {
    const results = await this.sendAll<R>(texts);
    return results[results.length - 1];
  }

  /** Sends what is pending and then `texts`, in one round trip; every statement's result. */
  async sendAll<R extends pg.QueryResultRow = pg.QueryResultRow>(texts: string[]): Promise<pg.QueryResult<R>[]> {
    const carried = this.pending.length > 0;
    const all = carried ? [...this.pending, ...texts] : texts;
    this.pending = [];
    if (all.length === 0) return [];
    let r: pg.QueryResult<R> | pg.QueryResult<R>[];
    try {
      r = (await this.c.query(all.join('; '))) as unknown as pg.QueryResult<R> | pg.QueryResult<R>[];
    } catch (err) {
      if (carried && isSqlError(err)) {
        this.failed = true;
        throw new DeferredConflict(`an optimistic write failed: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
    return Array.isArray(r) ? r : [r];
  }
}

/**
 * One strict write on the writer: its first statement carries its SAVEPOINT (and anything
 * pending). A statement that cannot fail (see WriterStatements.deferCertain) waits, with the
 * SAVEPOINT if it is the write's first, for the next round trip; `from` is where this write's
 * waiting statements begin in the pending list, so a write that fails before they went out
 * drops them instead of rolling back.
 */
export function strictWrite(io: WriterIO, step: { savepoint: boolean; sent: boolean; from?: number }): WriterStatements {
  const savepoint = () => {
    if (step.savepoint) return [];
    step.savepoint = true;
    return ['SAVEPOINT w'];
  };
  return {
    run: async <R extends pg.QueryResultRow>(s: Prepared, params: unknown[]) => {
      const texts = [...savepoint(), io.exec(s, params)];
      step.sent = true;
      step.from = undefined;
      return (await io.send<R>(texts))!;
    },
    defer: () => false,
    deferCertain: (s, params) => {
      step.from ??= io.pending.length;
      io.pending.push(...savepoint(), io.exec(s, params));
      return true;
    },
  };
}

/**
 * One optimistic write: inserts wait in the batch's pending statements; anything else flushes
 * them first. It has no SAVEPOINT of its own: `from` is where its pending statements begin, and
 * `sentOwn` says that something it wrote has gone out (undoing it then means the region's).
 */
export function optimisticWrite(io: WriterIO, step: { from: number; sentOwn: boolean }): WriterStatements {
  const defer = (s: Prepared, params: unknown[]) => {
    io.pending.push(io.exec(s, params));
    return true;
  };
  return {
    run: async <R extends pg.QueryResultRow>(s: Prepared, params: unknown[]) => {
      // From here on, rolling this write back alone needs more than dropping what is pending.
      if (io.pending.length > step.from || !s.read) step.sentOwn = true;
      return (await io.send<R>([io.exec(s, params)]))!;
    },
    defer,
    deferCertain: defer,
  };
}

export interface WriterStatements extends Statements {
  /** Leaves a statement that must succeed for later, when the write is optimistic; false to run it now. */
  defer(s: Prepared, params: unknown[]): boolean;
  /**
   * Leaves for the batch's next round trip a statement whose outcome is already known: an update
   * or delete of a row this transaction has read under the writers' lock (it can only fail with
   * the connection, which fails the whole batch anyway). Any write may do this, a strict one too.
   */
  deferCertain(s: Prepared, params: unknown[]): boolean;
}
