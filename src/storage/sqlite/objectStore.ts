// The SQLite dialect of the storage interface (../objectStore.ts): objects, their change log and
// their allocations in one database file, every SQL statement and SQLite error code of the object
// store in this file. better-sqlite3 is synchronous, which is what makes this dialect fast: a
// write is a savepoint in the open group commit (see flush), reads are served from a cache or a
// prepared statement in the same turn, and the interface's Promises are already settled when they
// are returned.
import {
  type AllocationRow,
  type Change,
  type ChangeType,
  CompactedError,
  type ListPage,
  type ListPageOptions,
  type ObjectKey,
  type ObjectStore,
  type StoredObject,
  UniqueViolation,
  type WriteTx,
} from '../objectStore.js';
import type { SqliteDatabase } from './database.js';
import { pageAt } from './listPage.js';

export interface ObjectStoreOptions {
  /** How many change-log rows to keep for watchers that resume from a resourceVersion. */
  historySize: number;
  /**
   * Told when a batch that no request waits on (only internal writers joined it) fails to
   * commit; its writes are rolled back. Without it the error is thrown out of the event loop.
   */
  onCommitError?: (err: unknown) => void;
  /** Told when a committed-changes listener throws; without it the error is thrown after all ran. */
  onListenerError?: (err: unknown) => void;
}

/** How many objects the read cache holds (about 1 KiB each). */
const recentObjects = 10_000;

export class SqliteObjectStore implements ObjectStore {
  private revision: number;
  private readonly stmts;
  private committedListeners: ((changes: Change[]) => void)[] = [];
  private writesSincePrune = 0;
  private compacted: number;
  /**
   * Objects read recently, so that a GET of a hot object skips SQLite (a fifth of a GET's time).
   * Filled only outside transactions, so never with uncommitted state, and every key a commit
   * changes is dropped from it before anyone can read again.
   */
  private readonly recent = new Map<string, StoredObject>();
  /** Writes and COMMITs so far: writes per COMMIT is how well group commit is batching. */
  readonly stats = { writes: 0, commits: 0 };
  /** The group commit under way (see flush), and the write open inside it. */
  private batch: Batch | undefined;
  private writing: Pending | undefined;
  /**
   * Work waiting for the open write to end: later writes, and reads from outside a write, which
   * must not see its uncommitted rows. A write's steps are settled Promises, so it ends within
   * the turn it began unless a hook awaits something else; the queue is for that case.
   */
  private readonly waiting: (() => void)[] = [];
  /** A flush came due while a write was open: the write's end schedules it. */
  private flushDue = false;
  private readonly containing = new Map<string, { all(...params: unknown[]): unknown[] }>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: ObjectStoreOptions = { historySize: 10_000 },
  ) {
    this.stmts = {
      get: db.prepare('SELECT uid, resource_version AS resourceVersion, body FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      listAll: db.prepare('SELECT body FROM objects WHERE resource = ? ORDER BY namespace, name').pluck(),
      listNs: db.prepare('SELECT body FROM objects WHERE resource = ? AND namespace = ? ORDER BY name').pluck(),
      countNs: db.prepare('SELECT count(*) FROM objects WHERE resource = ? AND namespace = ?').pluck(),
      insert: db.prepare('INSERT INTO objects (resource, namespace, name, uid, resource_version, body) VALUES (?, ?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE objects SET uid = ?, resource_version = ?, body = ? WHERE resource = ? AND namespace = ? AND name = ?'),
      remove: db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      body: db.prepare('SELECT body FROM objects WHERE resource = ? AND namespace = ? AND name = ?').pluck(),
      log: db.prepare('INSERT INTO change_log (revision, resource, namespace, name, event, body, prev_body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      maxRevision: db.prepare('SELECT max(m) FROM (SELECT max(revision) AS m FROM change_log UNION ALL SELECT max(resource_version) FROM objects)').pluck(),
      prune: db.prepare('DELETE FROM change_log WHERE revision <= ?'),
      allocate: db.prepare('INSERT INTO allocations (pool, value, resource, namespace, name, uid) VALUES (?, ?, ?, ?, ?, ?)'),
      release: db.prepare('DELETE FROM allocations WHERE pool = ? AND value = ? AND uid = ?'),
      allocations: db.prepare('SELECT pool, value, resource, namespace, name, uid FROM allocations WHERE pool = ?'),
      allocatedValues: db.prepare('SELECT value FROM allocations WHERE pool = ?').pluck(),
      allocationPools: db.prepare('SELECT DISTINCT pool FROM allocations').pluck(),
      allocation: db.prepare('SELECT pool, value, resource, namespace, name, uid FROM allocations WHERE pool = ? AND value = ?'),
      scanObjects: db
        .prepare('SELECT namespace, name, uid, body FROM objects WHERE resource = ? AND (namespace, name) > (?, ?) ORDER BY namespace, name LIMIT ?')
        .raw(),
      scanAllocations: db.prepare(
        'SELECT pool, value, resource, namespace, name, uid FROM allocations WHERE (pool, value) > (?, ?) ORDER BY pool, value LIMIT ?',
      ),
      changesSince: db.prepare(
        'SELECT revision, resource, namespace, name, event, body, prev_body AS prevBody FROM change_log WHERE resource = ? AND revision > ? ORDER BY revision',
      ),
      // The earliest change after a revision of each key is the one whose prev_body is the key's state at that revision.
      undo: db.prepare(`SELECT namespace, name, event, prev_body AS prevBody FROM change_log WHERE revision IN (
        SELECT min(revision) FROM change_log WHERE resource = ? AND revision > ? GROUP BY namespace, name) ORDER BY namespace, name`),
      pageAll: db.prepare('SELECT namespace, name, body FROM objects WHERE resource = ? AND (namespace, name) > (?, ?) ORDER BY namespace, name'),
      pageNs: db.prepare('SELECT namespace, name, body FROM objects WHERE resource = ? AND namespace = ? AND name > ? ORDER BY name'),
      countAfterAll: db.prepare('SELECT count(*) FROM objects WHERE resource = ? AND (namespace, name) > (?, ?)').pluck(),
      countAfterNs: db.prepare('SELECT count(*) FROM objects WHERE resource = ? AND namespace = ? AND name > ?').pluck(),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      setSetting: db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
      begin: db.prepare('BEGIN'),
      savepoint: db.prepare('SAVEPOINT write'),
      releaseSavepoint: db.prepare('RELEASE write'),
      rollbackToSavepoint: db.prepare('ROLLBACK TO write'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
    this.revision = Number(this.stmts.maxRevision.get() ?? 0);
    this.compacted = Number(this.stmts.getSetting.get('compacted_revision') ?? 0);
  }

  /** The newest revision pruned from the change log: history is complete for revisions after it. */
  compactedRevision(): number {
    this.settle();
    return this.compacted;
  }

  currentRevision(): number {
    this.settle();
    // An open write's reserved revisions may still roll back and be handed out again.
    return this.writing ? this.writing.startRevision : this.revision;
  }

  get(key: ObjectKey): Promise<StoredObject | undefined> {
    return this.outside(() => this.cached(key, false));
  }

  /**
   * A read through the cache. Inside a write, a key the batch has written is read from SQLite:
   * only keys it has not written are cached, so the cache never holds an uncommitted row.
   */
  private cached(key: ObjectKey, inside: boolean): StoredObject | undefined {
    const id = `${key.resource}\0${key.namespace}\0${key.name}`;
    if (inside && this.batch?.written.has(id)) return this.read(key);
    const hit = this.recent.get(id);
    if (hit) return { ...hit };
    const obj = this.read(key);
    if (!obj) return undefined;
    if (this.recent.size >= recentObjects) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(id, obj);
    return { ...obj };
  }

  /**
   * A read from outside a write sees committed state only: it commits the open batch first, and
   * waits for a write that is open (suspended in a hook) to end.
   */
  private outside<T>(read: () => T): Promise<T> {
    if (this.writing) return new Promise<T>((resolve, reject) => this.waiting.push(() => this.outside(read).then(resolve, reject)));
    try {
      this.settle();
      return Promise.resolve(read());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private read(key: ObjectKey): StoredObject | undefined {
    const row = this.stmts.get.get(key.resource, key.namespace, key.name) as { uid: string; resourceVersion: number; body: string } | undefined;
    return row && { ...key, ...row };
  }

  list(resource: string, namespace?: string): Promise<string[]> {
    return this.outside(() => this.listNow(resource, namespace));
  }

  private listNow(resource: string, namespace?: string): string[] {
    return (namespace === undefined ? this.stmts.listAll.all(resource) : this.stmts.listNs.all(resource, namespace)) as string[];
  }

  private listContaining(resource: string, namespace: string | undefined, needles: string[]): string[] {
    const key = `${namespace === undefined ? 'all' : 'ns'}:${needles.length}`;
    let stmt = this.containing.get(key);
    if (!stmt) {
      const any = needles.map(() => 'instr(body, ?) > 0').join(' OR ');
      stmt = this.db
        .prepare(
          namespace === undefined
            ? `SELECT body FROM objects WHERE resource = ? AND (${any}) ORDER BY namespace, name`
            : `SELECT body FROM objects WHERE resource = ? AND namespace = ? AND (${any}) ORDER BY name`,
        )
        .pluck();
      this.containing.set(key, stmt);
    }
    return (namespace === undefined ? stmt.all(resource, ...needles) : stmt.all(resource, namespace, ...needles)) as string[];
  }

  count(resource: string, namespace: string): Promise<number> {
    return this.outside(() => this.countNow(resource, namespace));
  }

  private countNow(resource: string, namespace: string): number {
    return Number(this.stmts.countNs.get(resource, namespace));
  }

  allocatedValues(pool: string): Promise<string[]> {
    return this.outside(() => this.stmts.allocatedValues.all(pool) as string[]);
  }

  allocation(pool: string, value: string): Promise<AllocationRow | undefined> {
    return this.outside(() => this.stmts.allocation.get(pool, value) as AllocationRow | undefined);
  }

  scanObjects(
    resource: string,
    after: { namespace: string; name: string },
    limit: number,
  ): Promise<{ namespace: string; name: string; uid: string; body: string }[]> {
    return this.outside(() =>
      (this.stmts.scanObjects.all(resource, after.namespace, after.name, limit) as [string, string, string, string][]).map(([namespace, name, uid, body]) => ({
        namespace,
        name,
        uid,
        body,
      })),
    );
  }

  scanAllocations(after: { pool: string; value: string }, limit: number): Promise<AllocationRow[]> {
    return this.outside(() => this.stmts.scanAllocations.all(after.pool, after.value, limit) as AllocationRow[]);
  }

  allocationPools(): Promise<string[]> {
    return this.outside(() => this.stmts.allocationPools.all() as string[]);
  }

  allocations(pool: string): Promise<AllocationRow[]> {
    return this.outside(() => this.stmts.allocations.all(pool) as AllocationRow[]);
  }

  changesSince(resource: string, revision: number): Promise<Change[]> {
    return this.outside(() => {
      if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
      return this.stmts.changesSince.all(resource, revision) as Change[];
    });
  }

  /**
   * One page of a list as it was at `options.revision`, in key order. Past states come from
   * undoing the changes made since (each logged change keeps the previous body), so a page
   * sequence at one revision lists every object exactly once however many writes happen between
   * pages, as etcd's MVCC reads do for kube-apiserver.
   */
  listPage(resource: string, namespace: string | undefined, options: ListPageOptions = {}): Promise<ListPage> {
    return this.outside(() => {
      const revision = options.revision ?? this.revision;
      if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
      // The common case, a whole current list, is one statement with no merging.
      if (revision === this.revision && !options.after && !options.limit && !options.accept) {
        return { bodies: options.containsAny ? this.listContaining(resource, namespace, options.containsAny) : this.listNow(resource, namespace), revision };
      }
      return pageAt(this.stmts, resource, namespace, revision, revision < this.revision, options);
    });
  }

  /** Listeners see each committed transaction's changes, in revision order (the watch hub). */
  onCommitted(listener: (changes: Change[]) => void): () => void {
    this.committedListeners.push(listener);
    return () => {
      this.committedListeners = this.committedListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Runs `fn` as one atomic write: a SAVEPOINT inside the open batch (see flush), so a throw
   * rolls back this write's rows, its revisions and its in-memory hooks and nothing else. Writes
   * run one at a time; one that comes while another is open waits for it. Its changes reach
   * listeners, and durable() resolves, only when the batch commits.
   */
  transaction<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.writing) return new Promise<T>((resolve, reject) => this.waiting.push(() => this.transaction(fn).then(resolve, reject)));
    return this.write(fn);
  }

  private async write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const batch = (this.batch ??= this.openBatch());
    const startRevision = this.revision;
    const mine: Pending = { startRevision, changes: [], commitHooks: [], rollbackHooks: [] };
    this.writing = mine;
    const s = this.stmts;
    const log = (key: ObjectKey, revision: number, event: ChangeType, body: string, prevBody: string | null) => {
      s.log.run(revision, key.resource, key.namespace, key.name, event, body, prevBody);
      mine.changes.push({ resource: key.resource, namespace: key.namespace, name: key.name, revision, event, body, prevBody });
    };
    const previous = (key: ObjectKey) => (s.body.get(key.resource, key.namespace, key.name) as string | undefined) ?? null;
    const mark = (key: ObjectKey) => batch.written.add(`${key.resource}\0${key.namespace}\0${key.name}`);
    const tx: WriteTx = {
      get: async (key) => this.cached(key, true),
      list: async (resource, namespace) => this.listNow(resource, namespace),
      count: async (resource, namespace) => this.countNow(resource, namespace),
      allocation: async (pool, value) => s.allocation.get(pool, value) as AllocationRow | undefined,
      nextRevision: () => ++this.revision,
      insert: async (obj) => {
        mark(obj);
        try {
          s.insert.run(obj.resource, obj.namespace, obj.name, obj.uid, obj.resourceVersion, obj.body);
        } catch (err) {
          throw translate(err, 'object', `${obj.resource} ${obj.namespace}/${obj.name} exists`);
        }
        log(obj, obj.resourceVersion, 'ADDED', obj.body, null);
      },
      update: async (obj) => {
        mark(obj);
        const prev = previous(obj);
        s.update.run(obj.uid, obj.resourceVersion, obj.body, obj.resource, obj.namespace, obj.name);
        log(obj, obj.resourceVersion, 'MODIFIED', obj.body, prev);
      },
      remove: async (key, resourceVersion, finalBody) => {
        mark(key);
        const prev = previous(key);
        s.remove.run(key.resource, key.namespace, key.name);
        log(key, resourceVersion, 'DELETED', finalBody, prev);
      },
      allocate: async (row) => {
        try {
          s.allocate.run(row.pool, row.value, row.resource, row.namespace, row.name, row.uid);
        } catch (err) {
          throw translate(err, 'allocation', `${row.pool} ${row.value} is already allocated`);
        }
      },
      release: async (pool, value, uid) => s.release.run(pool, value, uid).changes === 1,
      onCommit: (fn) => mine.commitHooks.push(fn),
      onRollback: (fn) => mine.rollbackHooks.push(fn),
    };
    let result: T;
    try {
      s.savepoint.run();
      try {
        result = await fn(tx);
      } catch (err) {
        if (this.db.inTransaction) s.rollbackToSavepoint.run();
        throw err;
      } finally {
        if (this.db.inTransaction) s.releaseSavepoint.run();
      }
    } catch (err) {
      this.revision = startRevision;
      for (const hook of mine.rollbackHooks.reverse()) hook();
      this.ended();
      throw err;
    }
    batch.changes.push(...mine.changes);
    batch.rollbackHooks.push(...mine.rollbackHooks);
    // In-memory bookkeeping follows the batch, which later writes in it read: a value freed here
    // may be taken by the next write. If the COMMIT fails after all, the rollback hooks undo what
    // they can, and a freed value SQLite still holds is found by the allocators' next take.
    this.stats.writes++;
    for (const hook of mine.commitHooks) hook();
    this.ended();
    return result;
  }

  /** The open write is over: what waited for it goes, in order, then a flush that came due. */
  private ended(): void {
    this.writing = undefined;
    while (!this.writing) {
      const next = this.waiting.shift();
      if (!next) break;
      next();
    }
    if (!this.writing && this.flushDue) {
      this.flushDue = false;
      setImmediate(() => this.flush());
    }
  }

  /** True while writes wait for their batch to commit. */
  get committing(): boolean {
    return this.batch !== undefined;
  }

  /** Resolves once every write made so far is committed; rejects if their batch failed to commit. */
  durable(): Promise<void> {
    const batch = this.batch;
    if (!batch) return settled;
    if (!batch.done) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch.done = { promise, resolve, reject };
    }
    return batch.done.promise;
  }

  /**
   * Group commit. The first write opens a SQLite transaction; every write made before the event
   * loop's next check phase (the requests that arrived together) joins it, each in its own
   * savepoint, and one COMMIT makes them all durable. A COMMIT is most of a small write's cost
   * (its WAL frames and locks), and etcd batches kube-apiserver's writes the same way. Nothing
   * leaves before the COMMIT: listeners (watchers) get the changes after it, write responses
   * wait for durable(), and any read from outside a write commits the batch first, so no reader
   * ever sees a write that could still be lost.
   */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    if (this.writing) {
      this.flushDue = true;
      return;
    }
    this.batch = undefined;
    if (!this.db.open) {
      // Closed under an open batch: SQLite has rolled it back, so memory follows.
      this.abandon(batch, new Error('the database was closed before the write committed'));
      return;
    }
    const pruneTo = this.pruneHorizon(batch.changes.length);
    try {
      if (pruneTo !== undefined) {
        this.stmts.prune.run(pruneTo);
        this.stmts.setSetting.run('compacted_revision', String(pruneTo));
      }
      this.stmts.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.stmts.rollback.run();
      this.abandon(batch, err);
      if (!batch.done && !this.options.onCommitError) throw err;
      return;
    }
    this.stats.commits++;
    if (pruneTo !== undefined) this.compacted = pruneTo;
    for (const c of batch.changes) this.recent.delete(`${c.resource}\0${c.namespace}\0${c.name}`);
    // The writes are durable whatever a listener does next; one that throws neither holds their
    // answers back nor keeps the changes from the listeners after it.
    batch.done?.resolve();
    if (batch.changes.length === 0) return;
    let failure: { err: unknown } | undefined;
    for (const listener of this.committedListeners) {
      try {
        listener(batch.changes);
      } catch (err) {
        if (this.options.onListenerError) this.options.onListenerError(err);
        else failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  }

  private abandon(batch: Batch, err: unknown): void {
    this.revision = batch.startRevision;
    for (const hook of batch.rollbackHooks.reverse()) hook();
    if (batch.done) batch.done.reject(err);
    else this.options.onCommitError?.(err);
  }

  private openBatch(): Batch {
    const batch: Batch = { changes: [], rollbackHooks: [], startRevision: this.revision, written: new Set() };
    this.stmts.begin.run();
    setImmediate(() => this.flush());
    return batch;
  }

  /** Reads from outside a write see committed state only. */
  private settle(): void {
    if (this.batch && !this.writing) this.flush();
  }

  private pruneHorizon(written: number): number | undefined {
    // Pruning every write would double the write cost; a batch every few hundred keeps the
    // log within the window plus a little.
    this.writesSincePrune += written;
    if (this.writesSincePrune < 256) return undefined;
    this.writesSincePrune = 0;
    const horizon = this.revision - this.options.historySize;
    return horizon > this.compacted ? horizon : undefined;
  }
}

interface Pending {
  /** The revision before the write's first reservation. */
  startRevision: number;
  changes: Change[];
  commitHooks: (() => void)[];
  rollbackHooks: (() => void)[];
}

interface Batch extends Omit<Pending, 'commitHooks'> {
  /** Keys written since the batch began: the read cache holds committed state, stale for these. */
  written: Set<string>;
  done?: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void };
}

const settled = Promise.resolve();

function translate(err: unknown, what: 'object' | 'allocation', message: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return new UniqueViolation(what, message);
  return err;
}
