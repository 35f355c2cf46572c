// The generic object store: objects, their change log and their allocations, with one SQLite
// transaction per write. It knows nothing of Kubernetes semantics; the registry decides what
// to write, the store makes it atomic. Everything SQLite-specific (SQL text, constraint error
// codes) is in this file, so another backend is a sibling of it.
import type { SqliteDatabase } from './database.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectKey {
  resource: string;
  namespace: string;
  name: string;
}

export interface StoredObject extends ObjectKey {
  uid: string;
  resourceVersion: number;
  body: string;
}

export interface AllocationRow extends ObjectKey {
  pool: string;
  value: string;
  uid: string;
}

export interface Change extends ObjectKey {
  revision: number;
  event: ChangeType;
  body: string;
}

/** A write lost a race for a unique key: the object name or an allocated value. */
export class UniqueViolation extends Error {
  constructor(readonly what: 'object' | 'allocation', message: string) {
    super(message);
  }
}

/** Thrown out of a transaction to roll it back on purpose (dry runs) while returning a value. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

export interface WriteTx {
  /** Reserves the next resourceVersion; each object write in the transaction takes its own. */
  nextRevision(): number;
  insert(obj: StoredObject): void;
  update(obj: StoredObject): void;
  remove(key: ObjectKey, resourceVersion: number, finalBody: string): void;
  allocate(row: AllocationRow): void;
  /** Frees a value held by `uid`; false when that owner does not hold it. */
  release(pool: string, value: string, uid: string): boolean;
  /** Runs after the transaction commits (in-memory bookkeeping that must follow the database). */
  onCommit(fn: () => void): void;
  /** Runs if the transaction rolls back, to undo in-memory bookkeeping done inside it. */
  onRollback(fn: () => void): void;
}

export interface ObjectStoreOptions {
  /** How many change-log rows to keep for watchers that resume from a resourceVersion. */
  historySize: number;
}

export class ObjectStore {
  private revision: number;
  private readonly stmts;
  private committedListeners: ((changes: Change[]) => void)[] = [];
  private writesSincePrune = 0;

  constructor(private readonly db: SqliteDatabase, private readonly options: ObjectStoreOptions = { historySize: 10_000 }) {
    this.stmts = {
      get: db.prepare('SELECT uid, resource_version AS resourceVersion, body FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      listAll: db.prepare('SELECT body FROM objects WHERE resource = ? ORDER BY namespace, name').pluck(),
      listNs: db.prepare('SELECT body FROM objects WHERE resource = ? AND namespace = ? ORDER BY name').pluck(),
      countNs: db.prepare('SELECT count(*) FROM objects WHERE resource = ? AND namespace = ?').pluck(),
      insert: db.prepare('INSERT INTO objects (resource, namespace, name, uid, resource_version, body) VALUES (?, ?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE objects SET uid = ?, resource_version = ?, body = ? WHERE resource = ? AND namespace = ? AND name = ?'),
      remove: db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      log: db.prepare('INSERT INTO change_log (revision, resource, namespace, name, event, body) VALUES (?, ?, ?, ?, ?, ?)'),
      maxRevision: db.prepare('SELECT max(m) FROM (SELECT max(revision) AS m FROM change_log UNION ALL SELECT max(resource_version) FROM objects)').pluck(),
      prune: db.prepare('DELETE FROM change_log WHERE revision <= ?'),
      allocate: db.prepare('INSERT INTO allocations (pool, value, resource, namespace, name, uid) VALUES (?, ?, ?, ?, ?, ?)'),
      release: db.prepare('DELETE FROM allocations WHERE pool = ? AND value = ? AND uid = ?'),
      allocations: db.prepare('SELECT pool, value, resource, namespace, name, uid FROM allocations WHERE pool = ?'),
      changesSince: db.prepare('SELECT revision, resource, namespace, name, event, body FROM change_log WHERE revision > ? ORDER BY revision'),
      oldestRevision: db.prepare('SELECT min(revision) FROM change_log').pluck(),
    };
    this.revision = Number(this.stmts.maxRevision.get() ?? 0);
  }

  currentRevision(): number {
    return this.revision;
  }

  get(key: ObjectKey): StoredObject | undefined {
    const row = this.stmts.get.get(key.resource, key.namespace, key.name) as { uid: string; resourceVersion: number; body: string } | undefined;
    return row && { ...key, ...row };
  }

  /** Bodies ordered by namespace then name, as kube-apiserver lists. */
  list(resource: string, namespace?: string): string[] {
    return (namespace === undefined ? this.stmts.listAll.all(resource) : this.stmts.listNs.all(resource, namespace)) as string[];
  }

  count(resource: string, namespace: string): number {
    return Number(this.stmts.countNs.get(resource, namespace));
  }

  allocations(pool: string): AllocationRow[] {
    return this.stmts.allocations.all(pool) as AllocationRow[];
  }

  changesSince(revision: number): Change[] {
    return this.stmts.changesSince.all(revision) as Change[];
  }

  oldestRevision(): number {
    return Number(this.stmts.oldestRevision.get() ?? this.revision);
  }

  /** Listeners see each committed transaction's changes, in revision order (the watch hub). */
  onCommitted(listener: (changes: Change[]) => void): () => void {
    this.committedListeners.push(listener);
    return () => {
      this.committedListeners = this.committedListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Runs `fn` in one SQLite transaction. Everything is synchronous, so no other request can
   * interleave; a throw rolls back the database, the revision counter and in-memory hooks.
   */
  transaction<T>(fn: (tx: WriteTx) => T): T {
    const startRevision = this.revision;
    const commitHooks: (() => void)[] = [];
    const rollbackHooks: (() => void)[] = [];
    const changes: Change[] = [];
    const s = this.stmts;
    const log = (key: ObjectKey, revision: number, event: ChangeType, body: string) => {
      s.log.run(revision, key.resource, key.namespace, key.name, event, body);
      changes.push({ ...key, revision, event, body });
    };
    const tx: WriteTx = {
      nextRevision: () => ++this.revision,
      insert: (obj) => {
        try {
          s.insert.run(obj.resource, obj.namespace, obj.name, obj.uid, obj.resourceVersion, obj.body);
        } catch (err) {
          throw translate(err, 'object', `${obj.resource} ${obj.namespace}/${obj.name} exists`);
        }
        log(obj, obj.resourceVersion, 'ADDED', obj.body);
      },
      update: (obj) => {
        s.update.run(obj.uid, obj.resourceVersion, obj.body, obj.resource, obj.namespace, obj.name);
        log(obj, obj.resourceVersion, 'MODIFIED', obj.body);
      },
      remove: (key, resourceVersion, finalBody) => {
        s.remove.run(key.resource, key.namespace, key.name);
        log(key, resourceVersion, 'DELETED', finalBody);
      },
      allocate: (row) => {
        try {
          s.allocate.run(row.pool, row.value, row.resource, row.namespace, row.name, row.uid);
        } catch (err) {
          throw translate(err, 'allocation', `${row.pool} ${row.value} is already allocated`);
        }
      },
      release: (pool, value, uid) => s.release.run(pool, value, uid).changes === 1,
      onCommit: (fn) => commitHooks.push(fn),
      onRollback: (fn) => rollbackHooks.push(fn),
    };
    let result: T;
    try {
      result = this.db.transaction(() => fn(tx))();
    } catch (err) {
      this.revision = startRevision;
      for (const hook of rollbackHooks.reverse()) hook();
      throw err;
    }
    for (const hook of commitHooks) hook();
    if (changes.length > 0) {
      this.maybePrune(changes.length);
      for (const listener of this.committedListeners) listener(changes);
    }
    return result;
  }

  private maybePrune(written: number): void {
    // Pruning every write would double the write cost; a batch every few hundred keeps the
    // log within the window plus a little.
    this.writesSincePrune += written;
    if (this.writesSincePrune < 256) return;
    this.writesSincePrune = 0;
    this.stmts.prune.run(this.revision - this.options.historySize);
  }
}

function translate(err: unknown, what: 'object' | 'allocation', message: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return new UniqueViolation(what, message);
  return err;
}
