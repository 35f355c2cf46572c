// The PostgreSQL dialect of the storage interface (../objectStore.ts), for several svcplane
// replicas on one database. Every SQL statement of the object store is in this file (paging at
// a revision in listPage.ts).
//
// Writes: one dedicated connection runs this replica's transactions one at a time, grouped into
// batches (group commit): the transactions that arrive while one batch commits form the next,
// each inside a SAVEPOINT, under one COMMIT. A batch begins by taking a transaction-scoped
// advisory lock and then reading the newest revision, so writers of every replica are serialised
// and revisions are handed out in commit order. That is why this dialect cannot have kine's gap
// problem: kine takes revisions from a sequence, so revision 11 may commit before revision 10 and
// a watcher that has read 11 skips 10 when it commits. Here the lock is held until COMMIT, and
// PostgreSQL releases it only after the commit is visible, so the next writer (on any replica)
// reads the newest revision only once every smaller one is committed: a reader that sees
// revision N sees every revision below it, forever.
//
// The feed: onCommitted listeners get changes in revision order. This replica's own batches are
// delivered from memory after COMMIT, after any other replica's changes with smaller revisions
// have been read from the change log; other replicas' batches come with the NOTIFYs their
// writers send in the transaction (so only once it commits), one per change, the change in it
// where it fits a NOTIFY's 8,000 bytes. A replica applies a notified change straight away when it
// is the next revision it lacks; anything else (a change too big to carry, a NOTIFY missed while
// the listening connection was down, the poll that backs them up) makes it read the change log.
// Either way nothing is applied out of order or skipped. currentRevision() is the newest
// revision delivered.
//
// Reads go to a pool of other connections. A GET of a recently read object is answered from a
// read cache that the feed keeps, once one shared request for the database's newest revision
// shows that the feed has applied every commit (readCache.ts says why that is linearizable across
// replicas). A read waits for this replica's open batch to commit, so a client reads its own writes.
//
// Round trips are what a write costs here, so a batch saves them: every hot statement is
// prepared once per connection (statements.ts), and a replayable write (a create) runs
// optimistically: its inserts are answered at once and travel with the batch's next round trip,
// at the latest with its COMMIT; if one of them fails, the optimistic writes since the last
// check are rolled back to a savepoint and run again strictly (see runBatch). A write that reads
// an object and updates it (a PATCH, a PUT, a status write) reads it from the read cache, which
// the batch brings up to date under the lock, and its UPDATE, whose outcome is then known, also
// goes with the next round trip (see writeTx): such a write costs its batch no round trip.
import type pg from 'pg';
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
  StorageUnavailable,
  type TransactionOptions,
  UniqueViolation,
  type WriteTx,
} from '../objectStore.js';
import { pageAt } from './listPage.js';
import { cacheKey, HeadProbe, ReadCache } from './readCache.js';
import {
  countObjects,
  DeferredConflict,
  getAllocation,
  getObject,
  isSqlError,
  listBodies,
  literal,
  onPool,
  optimisticWrite,
  prepareAll,
  statements,
  strictWrite,
  WriterIO,
  type WriterStatements,
} from './statements.js';

export interface PostgresStoreOptions {
  /** How many change-log rows to keep for watchers that resume from a resourceVersion. */
  historySize: number;
  /** Told when a committed-changes listener throws; without it the error is logged. */
  onListenerError?: (err: unknown) => void;
  /** Told when the feed cannot read the change log (the connection is lost); it retries. */
  onFeedError?: (err: unknown) => void;
  /** The feed fell behind the pruned change log: watchers here must re-list (see loseFeed). */
  onFeedLost?: (err: CompactedError) => void;
  /** Backstop poll of the change log when no NOTIFY came, in ms. */
  pollInterval?: number;
  /** The most transactions one COMMIT takes (each is a subtransaction; PostgreSQL caches 64 per backend). */
  maxBatch?: number;
}

/** Transaction-scoped advisory lock that serialises writers across replicas. */
const writerLock = '8315207365719490562';
/** Under the writers' lock, the newest revision: a statement of its own, so its snapshot is taken once the lock is held. */
const newest = 'SELECT coalesce(max(revision), 0) AS rev FROM change_log';
/** A batch's first statements: BEGIN, the writers' lock, then the newest revision. */
const begin = `BEGIN; SELECT pg_advisory_xact_lock(${writerLock}); ${newest}`;
/**
 * The next batch's beginning when it rides behind a COMMIT: the lock only if it is free. Another
 * replica waiting for the COMMIT gets it first, and this COMMIT's answer must not wait for that
 * replica's batch (the next batch then asks for the lock itself). No timeout may fail these
 * statements: an error here would make the committed writes before them look failed.
 */
const beginIfFree = `BEGIN; SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0; SELECT pg_try_advisory_xact_lock(${writerLock}) AS locked; ${newest}`;
export const changesChannel = 'svcplane_changes';

interface Queued {
  fn: (tx: WriteTx) => Promise<unknown>;
  replayable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface ChangeRow {
  revision: string;
  resource: string;
  namespace: string;
  name: string;
  event: ChangeType;
  body: string;
  prevBody: string | null;
}

const changeColumns = 'revision, resource, namespace, name, event, body, prev_body AS "prevBody"';
const toChange = (r: ChangeRow): Change => ({
  resource: r.resource,
  namespace: r.namespace,
  name: r.name,
  revision: Number(r.revision),
  event: r.event,
  body: r.body,
  prevBody: r.prevBody,
});

/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more. */
const maxNotification = 7999;

/**
 * The NOTIFYs of a batch's changes, in revision order: each change as a JSON array where it
 * fits, else only its revision (receivers read that one from the change log).
 */
function notifications(c: pg.Client, changes: readonly Change[]): string[] {
  return changes.map((ch) => {
    const carried = JSON.stringify([ch.revision, ch.resource, ch.namespace, ch.name, ch.event, ch.body, ch.prevBody]);
    const payload = carried.length <= maxNotification / 3 || Buffer.byteLength(carried) <= maxNotification ? carried : String(ch.revision);
    return `SELECT pg_notify('${changesChannel}', ${literal(c, payload)})`;
  });
}

/** A change a NOTIFY carried; undefined if the payload is not one (then the log is read). */
function fromNotification(payload: string): Change | undefined {
  try {
    const [revision, resource, namespace, name, event, body, prevBody] = JSON.parse(payload) as unknown[];
    if (typeof revision !== 'number' || typeof resource !== 'string' || typeof namespace !== 'string' || typeof name !== 'string') return undefined;
    if (typeof body !== 'string' || (prevBody !== null && typeof prevBody !== 'string')) return undefined;
    if (event !== 'ADDED' && event !== 'MODIFIED' && event !== 'DELETED') return undefined;
    return { revision, resource, namespace, name, event, body, prevBody };
  } catch {
    return undefined;
  }
}

/** What one batch's writes share: its base revision and what it has read and written (see writeTx). */
interface BatchView {
  base: number;
  known: Map<string, StoredObject | null>;
}

interface Pending {
  changes: Change[];
  commitHooks: (() => void)[];
  rollbackHooks: (() => void)[];
}

export class PostgresObjectStore implements ObjectStore {
  /** The newest revision delivered to listeners. */
  private revision = 0;
  private compacted = 0;
  private committedListeners: ((changes: Change[]) => void)[] = [];
  readonly stats = { writes: 0, commits: 0 };
  readonly committing = false;
  private readonly queue: Queued[] = [];
  /** Resolves when the batch open now has committed (or failed) and been delivered. */
  private batchEnded: Promise<void> | undefined;
  private writesSincePrune = 0;
  /** Feed work (own deliveries, tails) runs one step at a time, in this chain. */
  private feed: Promise<void> = Promise.resolve();
  private tailQueued = false;
  /** Changes other replicas' NOTIFYs carried, waiting for their turn in the feed. */
  private notifiedChanges: Change[] = [];
  private applyQueued = false;
  private poll: NodeJS.Timeout | undefined;
  private closed = false;

  /** The next batch's transaction, begun (under the lock) by the previous batch's COMMIT round trip. */
  private begun: { client: pg.Client; rev: number | undefined } | undefined;
  /** The dedicated write connection; made again on the next batch after it breaks. */
  private writer: pg.Client | undefined;
  /** Whether the last look at the database (the feed's, at least every poll interval) worked. */
  private reachable = true;
  /** The feed fell behind the change log's history (see loseFeed). */
  private lost = false;
  /** Objects read recently, kept by the feed (readCache.ts). */
  private readonly recent = new ReadCache(10_000);
  private readonly probe: HeadProbe;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly connect: () => Promise<pg.Client>,
    private readonly options: PostgresStoreOptions,
  ) {
    this.probe = new HeadProbe(async () =>
      Number((await this.pool.query<{ rev: string }>({ name: statements.head.name, text: statements.head.text })).rows[0].rev),
    );
  }

  /** False while the database cannot be reached (the feed's last read failed): /readyz. */
  get healthy(): boolean {
    return this.reachable && !this.lost;
  }

  private async writerClient(): Promise<pg.Client> {
    if (this.writer) return this.writer;
    const c = await this.connect();
    try {
      await c.query(prepareAll);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    const drop = () => {
      if (this.writer === c) this.writer = undefined;
    };
    c.on('error', drop);
    c.on('end', drop);
    this.writer = c;
    return c;
  }

  /** Opens the store on a migrated database: `connect` makes a new dedicated connection. */
  static async open(pool: pg.Pool, connect: () => Promise<pg.Client>, options: PostgresStoreOptions): Promise<PostgresObjectStore> {
    const store = new PostgresObjectStore(pool, connect, options);
    await store.writerClient();
    const { rows } = await pool.query<{ rev: string; compacted: string }>(
      `SELECT coalesce((SELECT max(revision) FROM change_log), 0) AS rev,
              coalesce((SELECT value FROM settings WHERE key = 'compacted_revision'), '0') AS compacted`,
    );
    store.compacted = Number(rows[0].compacted);
    store.revision = Math.max(Number(rows[0].rev), store.compacted);
    store.poll = setInterval(() => store.wake(), options.pollInterval ?? 1000);
    store.poll.unref();
    return store;
  }

  /** Another replica committed (a NOTIFY) or the poll came due: read the change log. */
  wake(upTo?: number): void {
    // This replica's own batches are delivered from memory: their NOTIFY needs no read.
    if (upTo !== undefined && upTo <= this.revision) return;
    if (this.tailQueued || this.closed || this.lost) return;
    this.tailQueued = true;
    this.feed = this.feed.then(() => {
      this.tailQueued = false;
      return this.readLog(Number.MAX_SAFE_INTEGER);
    });
  }

  /** One read of the change log up to `upTo`, in the feed's turn; a failure is reported, not thrown. */
  private async readLog(upTo: number): Promise<void> {
    try {
      await this.tail(upTo);
      this.reachable = true;
    } catch (err) {
      if (err instanceof CompactedError) this.loseFeed(err);
      else this.reachable = false;
      this.options.onFeedError?.(err);
    }
  }

  /**
   * Another replica's NOTIFY: a change it committed, which is applied at once when it is the
   * next revision this replica lacks, or only a revision, which wakes the feed to read the log.
   */
  notified(payload: string | undefined): void {
    const change = payload?.startsWith('[') ? fromNotification(payload) : undefined;
    if (!change) {
      this.wake(payload ? Number(payload) : undefined);
      return;
    }
    if (change.revision <= this.revision || this.closed || this.lost) return;
    this.notifiedChanges.push(change);
    if (this.applyQueued) return;
    this.applyQueued = true;
    this.feed = this.feed.then(() => {
      this.applyQueued = false;
      const arrived = this.notifiedChanges;
      this.notifiedChanges = [];
      // NOTIFYs arrive in commit order; a revision missing between them is read from the log.
      const next: Change[] = [];
      for (const c of arrived) {
        if (c.revision <= this.revision) continue;
        if (c.revision !== this.revision + next.length + 1) break;
        next.push(c);
      }
      if (next.length > 0) this.emit(next);
      if (arrived.some((c) => c.revision > this.revision)) this.wake();
    });
  }

  /**
   * Reads the change log up to `base`, retrying while the database cannot be reached (the batch
   * above it has just committed, so it is back soon); false when the feed is lost.
   */
  private async catchUp(base: number): Promise<boolean> {
    for (let attempt = 0; !this.lost; attempt++) {
      try {
        if (this.revision < base) await this.tail(base);
        return true;
      } catch (err) {
        if (err instanceof CompactedError) {
          this.loseFeed(err);
          return false;
        }
        this.options.onFeedError?.(err);
        if (this.closed) return false;
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2000)));
      }
    }
    return false;
  }

  /**
   * Brings the feed to `upTo` (a batch's base, under the writers' lock). A failure is only
   * reported: the batch then reads from the database.
   */
  private settle(upTo: number): Promise<void> {
    this.feed = this.feed.then(() => (this.revision < upTo && !this.lost ? this.readLog(upTo) : undefined));
    return this.feed;
  }

  /**
   * The change log was pruned past what this replica delivered (it was cut off for longer than
   * the history window): its listeners can no longer be fed without a gap. Nothing more is
   * delivered, never a later change with an earlier one missing; the server is told, and says
   * not ready until it restarts.
   */
  private loseFeed(err: CompactedError): void {
    if (this.lost) return;
    this.lost = true;
    this.recent.clear();
    this.options.onFeedLost?.(err);
  }

  /** Delivers changes from the change log after the feed's revision, up to `upTo`. */
  private async tail(upTo: number): Promise<void> {
    for (;;) {
      const { rows } = await this.pool.query<ChangeRow & { compacted: string | null }>(
        `SELECT s.compacted, l.* FROM (SELECT (SELECT value FROM settings WHERE key = 'compacted_revision') AS compacted) s
         LEFT JOIN LATERAL (SELECT ${changeColumns} FROM change_log WHERE revision > $1 AND revision <= $2 ORDER BY revision LIMIT 1000) l ON true`,
        [this.revision, upTo],
      );
      const compacted = Number(rows[0].compacted ?? 0);
      if (compacted > this.revision) {
        // Pruned before this replica read them: its watchers cannot be resumed without a gap.
        throw new CompactedError(this.revision, compacted);
      }
      this.compacted = compacted;
      const changes = rows.filter((r) => r.revision !== null).map(toChange);
      if (changes.length === 0) return;
      this.emit(changes);
      if (changes.length < 1000) return;
    }
  }

  private emit(changes: Change[]): void {
    if (this.lost) return;
    const fresh = changes.filter((c) => c.revision > this.revision);
    if (fresh.length === 0) return;
    for (const c of fresh) this.recent.applied(cacheKey(c), c);
    this.revision = fresh[fresh.length - 1].revision;
    for (const listener of this.committedListeners) {
      try {
        listener(fresh);
      } catch (err) {
        if (this.options.onListenerError) this.options.onListenerError(err);
        else console.error(err);
      }
    }
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  onCommitted(listener: (changes: Change[]) => void): () => void {
    this.committedListeners.push(listener);
    return () => {
      this.committedListeners = this.committedListeners.filter((l) => l !== listener);
    };
  }

  durable(): Promise<void> {
    return Promise.resolve();
  }

  /** A read from outside a write sees this replica's writes that came before it: it waits for the open batch. */
  private async read<T>(fn: (c: pg.Pool) => Promise<T>): Promise<T> {
    if (this.batchEnded) await this.batchEnded;
    try {
      return await fn(this.pool);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** A consistent read: from the cache when the feed has applied the newest commit, else from the database. */
  get(key: ObjectKey): Promise<StoredObject | undefined> {
    return this.read(async (pool) => {
      const id = cacheKey(key);
      if (this.recent.has(id) && !this.lost) {
        const head = await this.probe.head();
        if (head <= this.revision) {
          const hit = this.recent.lookup(id, this.revision);
          if (hit) return hit;
        }
      }
      const before = this.revision;
      const obj = await getObject(onPool(pool), key);
      // Filled only when no change was applied meanwhile or the row is at least as new as the
      // feed: then the entry is the key's state at the feed's revision (readCache.ts).
      if (obj && !this.lost && (this.revision === before || obj.resourceVersion >= this.revision)) this.recent.fill(id, obj);
      return obj;
    });
  }

  list(resource: string, namespace?: string): Promise<string[]> {
    return this.read((c) => listBodies(onPool(c), resource, namespace));
  }

  count(resource: string, namespace: string): Promise<number> {
    return this.read((c) => countObjects(onPool(c), resource, namespace));
  }

  allocation(pool: string, value: string): Promise<AllocationRow | undefined> {
    return this.read((c) => getAllocation(onPool(c), pool, value));
  }

  /**
   * What an allocator reads at start, maybe 100,000 values: one JSON array of them, because the
   * driver's cost is per row (JSON.parse of one array is a fraction of it).
   */
  allocatedValues(pool: string): Promise<string[]> {
    return this.read(
      async (c) =>
        (await c.query<{ values: string[] }>("SELECT coalesce(json_agg(value), '[]') AS values FROM allocations WHERE pool = $1", [pool])).rows[0].values,
    );
  }

  allocations(pool: string): Promise<AllocationRow[]> {
    return this.read(
      async (c) =>
        (await c.query<AllocationRow>('SELECT pool, value, resource, namespace, name, uid FROM allocations WHERE pool = $1 ORDER BY value', [pool])).rows,
    );
  }

  allocationPools(): Promise<string[]> {
    return this.read(async (c) => (await c.query<{ pool: string }>('SELECT DISTINCT pool FROM allocations ORDER BY pool')).rows.map((r) => r.pool));
  }

  scanObjects(resource: string, after: { namespace: string; name: string }, limit: number) {
    return this.read(
      async (c) =>
        (
          await c.query<{ namespace: string; name: string; uid: string; body: string }>(
            'SELECT namespace, name, uid, body FROM objects WHERE resource = $1 AND (namespace, name) > ($2, $3) ORDER BY namespace, name LIMIT $4',
            [resource, after.namespace, after.name, limit],
          )
        ).rows,
    );
  }

  scanAllocations(after: { pool: string; value: string }, limit: number): Promise<AllocationRow[]> {
    return this.read(
      async (c) =>
        (
          await c.query<AllocationRow>(
            'SELECT pool, value, resource, namespace, name, uid FROM allocations WHERE (pool, value) > ($1, $2) ORDER BY pool, value LIMIT $3',
            [after.pool, after.value, limit],
          )
        ).rows,
    );
  }

  changesSince(resource: string, revision: number): Promise<Change[]> {
    // One statement, one snapshot: the compacted revision and the rows agree.
    return this.read(async (c) => {
      const { rows } = await c.query<ChangeRow & { compacted: string | null }>(
        `SELECT s.compacted, l.* FROM (SELECT (SELECT value FROM settings WHERE key = 'compacted_revision') AS compacted) s
         LEFT JOIN LATERAL (SELECT ${changeColumns} FROM change_log WHERE resource = $1 AND revision > $2 ORDER BY revision) l ON true`,
        [resource, revision],
      );
      const compacted = Number(rows[0].compacted ?? 0);
      if (revision < compacted) throw new CompactedError(revision, compacted);
      return rows.filter((r) => r.revision !== null).map(toChange);
    });
  }

  listPage(resource: string, namespace: string | undefined, options: ListPageOptions = {}): Promise<ListPage> {
    return this.read(async (pool) => {
      // The common case, a whole current list, is one statement: the revision and the rows
      // come from one snapshot.
      if (options.revision === undefined && !options.after && !options.limit && !options.accept) {
        const needles = options.containsAny ?? [];
        const params: unknown[] = [resource];
        let where = 'resource = $1';
        if (namespace !== undefined) {
          params.push(namespace);
          where += ` AND namespace = $${params.length}`;
        }
        if (needles.length > 0) {
          params.push(needles);
          where += ` AND body LIKE ANY (SELECT '%' || replace(replace(replace(n, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' FROM unnest($${params.length}::text[]) n)`;
        }
        const { rows } = await pool.query<{ rev: string; body: string | null }>(
          `SELECT r.rev, o.body FROM (SELECT greatest(coalesce((SELECT max(revision) FROM change_log), 0),
             coalesce((SELECT value::bigint FROM settings WHERE key = 'compacted_revision'), 0)) AS rev) r
           LEFT JOIN LATERAL (SELECT namespace, name, body FROM objects WHERE ${where}) o ON true ORDER BY o.namespace, o.name`,
          params,
        );
        return { bodies: rows.filter((r) => r.body !== null).map((r) => r.body as string), revision: Number(rows[0].rev) };
      }
      const c = await pool.connect();
      try {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const { rows } = await c.query<{ rev: string; compacted: string }>(
          `SELECT coalesce((SELECT max(revision) FROM change_log), 0) AS rev,
                  coalesce((SELECT value FROM settings WHERE key = 'compacted_revision'), '0') AS compacted`,
        );
        const compacted = Number(rows[0].compacted);
        const newest = Math.max(Number(rows[0].rev), compacted);
        const revision = Math.min(options.revision ?? newest, newest);
        if (revision < compacted) throw new CompactedError(revision, compacted);
        const page = await pageAt(c, resource, namespace, revision, revision < newest, options);
        await c.query('COMMIT');
        return page;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
    });
  }

  transaction<T>(fn: (tx: WriteTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the PostgreSQL store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, replayable: options.replayable === true, resolve: resolve as (v: unknown) => void, reject });
      if (!this.batchEnded) void this.runBatches();
    });
  }

  private async runBatches(): Promise<void> {
    while (this.queue.length > 0) {
      let ended!: () => void;
      this.batchEnded = new Promise<void>((resolve) => (ended = resolve));
      try {
        await this.runBatch();
      } finally {
        ended();
      }
    }
    this.batchEnded = undefined;
  }

  /**
   * One batch: BEGIN under the writers' lock, as many queued writes as came (each strict write
   * in its own SAVEPOINT; replayable ones optimistically, see WriterIO), then one COMMIT.
   *
   * Optimistic writes form a region that begins with SAVEPOINT opt. Their inserts are answered
   * at once and sent with the next round trip: a statement of a later write, the check before a
   * strict write, or the COMMIT. If that round trip fails (a name or a value was taken after
   * all, which the strict path answers with an error or another value), the database rolls
   * back to opt, memory follows (the region's rollback hooks, its revisions and changes), and
   * its writes run again strictly, so every caller gets exactly what the strict path would have
   * given; only the commit hooks of the rolled-back attempts have run once too often, as when a
   * COMMIT fails.
   */
  private async runBatch(): Promise<void> {
    let c: pg.Client | undefined;
    const maxBatch = this.options.maxBatch ?? 60;
    const done: { item: Queued; result: unknown }[] = [];
    const changes: Change[] = [];
    const rollbackHooks: (() => void)[] = [];
    /** Writes to run again, strictly, after their optimistic attempt was rolled back. */
    const replay: Queued[] = [];
    const strictly = new Set<Queued>();
    let item: Queued | undefined;
    let pruned: number | undefined;
    let base: number;
    let revision: number;
    try {
      c = await this.writerClient();
      const io = new WriterIO(c);
      // One round trip: BEGIN, the writers' lock, then (under it) the newest revision; or none
      // when the previous batch began this one with its COMMIT, on this same connection.
      const begun = this.begun?.client === c ? this.begun : undefined;
      this.begun = undefined;
      const rev =
        begun?.rev ?? Number((await io.send<{ rev: string }>([begun ? `SELECT pg_advisory_xact_lock(${writerLock}); ${newest}` : begin]))!.rows[0].rev);
      base = revision = Math.max(rev, this.compacted);
      // Under the lock nothing else commits: once the feed has applied everything up to base,
      // the read cache answers this batch's reads (see writeTx), and its writes need no round
      // trip of their own. Another replica's last commit is usually applied by now (its NOTIFY
      // came with it); if not, one read of the change log brings the feed there.
      if (this.revision < base) await this.settle(base);
      const batch: BatchView = { base, known: new Map() };
      /** Where the batch stood when the optimistic region began. */
      let region: { done: number; changes: number; rollbackHooks: number; revision: number } | undefined;
      const undoRegion = async (current?: Queued) => {
        const at = region!;
        region = undefined;
        io.pending = [];
        io.failed = false;
        await c!.query('ROLLBACK TO SAVEPOINT opt');
        for (const hook of rollbackHooks.splice(at.rollbackHooks).reverse()) hook();
        changes.length = at.changes;
        const again = done.splice(at.done).map((d) => d.item);
        this.stats.writes -= again.length;
        revision = at.revision;
        if (current) again.push(current);
        for (const q of again) strictly.add(q);
        replay.unshift(...again);
      };
      /** Sends the region's pending inserts; false when one failed and the region was undone. */
      const checkRegion = async (current?: Queued): Promise<boolean> => {
        if (!region) return true;
        try {
          await io.send([]);
        } catch (err) {
          if (!(err instanceof DeferredConflict)) throw err;
          await undoRegion(current);
          return false;
        }
        region = undefined;
        return true;
      };
      for (;;) {
        while ((replay.length > 0 || done.length < maxBatch) && (item = replay.shift() ?? this.queue.shift())) {
          const start = revision;
          const mine: Pending = { changes: [], commitHooks: [], rollbackHooks: [] };
          const optimistic = item.replayable && !strictly.has(item);
          // A strict write runs after the region's inserts are known to hold: it cannot run twice.
          if (!optimistic && !(await checkRegion(item))) {
            item = undefined;
            continue;
          }
          if (optimistic && !region) {
            region = { done: done.length, changes: changes.length, rollbackHooks: rollbackHooks.length, revision };
            io.pending.push('SAVEPOINT opt');
          }
          const own = { from: io.pending.length, sentOwn: false };
          const step: { savepoint: boolean; sent: boolean; from?: number } = { savepoint: false, sent: false };
          const w = optimistic ? optimisticWrite(io, own) : strictWrite(io, step);
          const tx = this.writeTx(w, mine, () => ++revision, batch);
          let result: unknown;
          let failed: { err: unknown } | undefined;
          try {
            result = await item.fn(tx);
          } catch (err) {
            failed = { err };
          }
          if (failed || io.failed) {
            revision = start;
            for (const hook of mine.rollbackHooks.reverse()) hook();
          }
          if (io.failed && !region) {
            // A statement left for later (deferCertain) failed after all: only the connection
            // can do that, and the batch is lost with it.
            throw failed?.err ?? new Error('a deferred statement failed');
          }
          if (io.failed || (failed && own.sentOwn)) {
            // The region failed under this write, or this write failed after some of its
            // statements went out without a savepoint of their own: all of it again, strictly.
            await undoRegion(item);
            item = undefined;
            continue;
          }
          if (failed) {
            if (optimistic && io.pending.length > own.from) {
              // Its inserts still decide its answer (a dry run throws its result; a name that
              // exists is AlreadyExists): checked, and undone, in one round trip.
              io.pending.splice(own.from, 0, 'SAVEPOINT w');
              io.pending.push('ROLLBACK TO SAVEPOINT w');
              if (!(await checkRegion(item))) {
                item = undefined;
                continue;
              }
            } else {
              // What it left for later never went out: dropped. What did go out is rolled back.
              // A lost connection fails the whole batch (below); anything else fails this write only.
              if (!optimistic && step.from !== undefined) io.pending.splice(step.from);
              if (!optimistic && step.sent) await c.query('ROLLBACK TO SAVEPOINT w');
            }
            item.reject(failed.err);
            item = undefined;
            continue;
          }
          changes.push(...mine.changes);
          rollbackHooks.push(...mine.rollbackHooks);
          for (const hook of mine.commitHooks) hook();
          done.push({ item, result });
          item = undefined;
          this.stats.writes++;
        }
        const horizon = changes.length > 0 ? this.pruneHorizon(changes.length, revision) : undefined;
        if (horizon !== undefined) {
          if (!(await checkRegion())) continue;
          pruned = horizon;
          await c.query('DELETE FROM change_log WHERE revision <= $1', [horizon]);
          await c.query("INSERT INTO settings (key, value) VALUES ('compacted_revision', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
            String(horizon),
          ]);
        }
        // The region's inserts, the NOTIFY (delivered only if the COMMIT succeeds) and the
        // COMMIT: one round trip. A failed insert stops it before the COMMIT. Writes waiting for
        // the next batch: it begins in the same round trip (its lock is queued behind any other
        // replica's that waited for this COMMIT, as lock requests are granted in order).
        const next = this.queue.length > 0 && !this.closed;
        try {
          const results = await io.sendAll<{ locked?: boolean; rev?: string }>([...notifications(c, changes), 'COMMIT', ...(next ? [beginIfFree] : [])]);
          if (next) {
            const locked = results[results.length - 2].rows[0].locked === true;
            this.begun = { client: c, rev: locked ? Number(results[results.length - 1].rows[0].rev) : undefined };
          }
        } catch (err) {
          if (!(err instanceof DeferredConflict) || !region) throw err;
          await undoRegion();
          continue;
        }
        break;
      }
      this.stats.commits++;
      if (pruned !== undefined && pruned > this.compacted) this.compacted = pruned;
    } catch (err) {
      // The batch is lost (a failed statement outside a write, a failed COMMIT, a lost
      // connection): every write in it fails, and memory follows the database back.
      for (const hook of rollbackHooks.reverse()) hook();
      const failure = unavailable(err);
      for (const d of done) d.item.reject(failure);
      for (const q of replay) q.reject(failure);
      item?.reject(failure);
      // A connection that cannot even roll back is dropped; the next batch connects afresh,
      // and fails fast (its writes get an error, never a hang) while the database is down.
      const broken = c;
      if (broken) await broken.query('ROLLBACK').catch(() => this.dropWriter(broken));
      else {
        // No connection at all: the writes waiting for one fail now rather than retry forever.
        this.reachable = false;
        for (const waiting of this.queue.splice(0, maxBatch)) waiting.reject(failure);
      }
      return;
    }
    // Deliver in revision order: other replicas' changes below this batch first.
    const last = revision;
    const delivered = new Promise<void>((resolve) => {
      this.feed = this.feed.then(async () => {
        // Never out of order: this batch's changes wait until everything below them is delivered.
        if (await this.catchUp(base)) {
          this.emit(changes);
          if (this.revision < last) this.revision = last;
        }
        resolve();
      });
    });
    await delivered;
    for (const d of done) d.item.resolve(d.result);
  }

  private dropWriter(c: pg.Client): void {
    if (this.writer === c) this.writer = undefined;
    c.end().catch(() => {});
  }

  private pruneHorizon(written: number, revision: number): number | undefined {
    this.writesSincePrune += written;
    if (this.writesSincePrune < 256) return undefined;
    this.writesSincePrune = 0;
    const horizon = revision - this.options.historySize;
    return horizon > this.compacted ? horizon : undefined;
  }

  /**
   * A write's view of the batch. Under the writers' lock nobody else commits, so while the feed
   * has applied everything up to the batch's base revision the read cache holds committed state
   * exactly as this transaction sees it: a write's read costs no round trip. What the batch has
   * read or written is known (`known`, put back as it was when a write rolls back) and answers
   * later reads of that key in the batch; an update or delete of a known row knows its previous
   * body and need not wait for the database's answer: it goes with the batch's next round trip,
   * at the latest the COMMIT.
   */
  private writeTx(c: WriterStatements, mine: Pending, next: () => number, batch: BatchView): WriteTx {
    const logged = (key: ObjectKey, revision: number, event: ChangeType, body: string, prevBody: string | null) =>
      mine.changes.push({ resource: key.resource, namespace: key.namespace, name: key.name, revision, event, body, prevBody });
    // A key the batch has written is always known (a rollback puts back what was known before
    // it), so a key that is not known holds the committed state the cache has.
    const current = () => !this.lost && this.revision === batch.base;
    const remember = (id: string, obj: StoredObject | null) => {
      const before = batch.known.get(id);
      batch.known.set(id, obj);
      mine.rollbackHooks.push(() => (before === undefined ? batch.known.delete(id) : batch.known.set(id, before)));
    };
    return {
      get: async (key) => {
        const id = cacheKey(key);
        const known = batch.known.get(id);
        if (known !== undefined) return known ?? undefined;
        if (current()) {
          const hit = this.recent.lookup(id, this.revision);
          if (hit) {
            remember(id, hit);
            return hit;
          }
        }
        const obj = await getObject(c, key);
        if (obj && current()) this.recent.fill(id, obj);
        remember(id, obj ?? null);
        return obj;
      },
      list: (resource, namespace) => listBodies(c, resource, namespace),
      count: (resource, namespace) => countObjects(c, resource, namespace),
      allocation: (pool, value) => getAllocation(c, pool, value),
      nextRevision: next,
      // ON CONFLICT DO NOTHING rather than a caught unique_violation: an error would abort the
      // transaction, and an allocator that loses a race goes on to try another value in it.
      insert: async (obj) => {
        const params = [obj.resource, obj.namespace, obj.name, obj.uid, obj.resourceVersion, obj.body];
        if (!c.defer(statements.insertOrFail, params)) {
          const r = await c.run(statements.insert, params);
          if (r.rowCount !== 1) throw new UniqueViolation('object', `${obj.resource} ${obj.namespace}/${obj.name} exists`);
        }
        remember(cacheKey(obj), { ...obj });
        logged(obj, obj.resourceVersion, 'ADDED', obj.body, null);
      },
      update: async (obj) => {
        const id = cacheKey(obj);
        const prev = batch.known.get(id);
        const params = [obj.resource, obj.namespace, obj.name, obj.uid, obj.resourceVersion, obj.body];
        const prevBody =
          prev && c.deferCertain(statements.update, params) ? prev.body : (await c.run<{ prev: string | null }>(statements.update, params)).rows[0].prev;
        remember(id, { ...obj });
        logged(obj, obj.resourceVersion, 'MODIFIED', obj.body, prevBody);
      },
      remove: async (key, resourceVersion, finalBody) => {
        const id = cacheKey(key);
        const prev = batch.known.get(id);
        const params = [key.resource, key.namespace, key.name, resourceVersion, finalBody];
        const prevBody =
          prev && c.deferCertain(statements.remove, params) ? prev.body : (await c.run<{ prev: string | null }>(statements.remove, params)).rows[0].prev;
        remember(id, null);
        logged(key, resourceVersion, 'DELETED', finalBody, prevBody);
      },
      allocate: async (row) => {
        const params = [row.pool, row.value, row.resource, row.namespace, row.name, row.uid];
        if (c.defer(statements.allocateOrFail, params)) return;
        const r = await c.run(statements.allocate, params);
        if (r.rowCount !== 1) throw new UniqueViolation('allocation', `${row.pool} ${row.value} is already allocated`);
      },
      release: async (pool, value, uid) => (await c.run(statements.release, [pool, value, uid])).rowCount === 1,
      onCommit: (fn) => mine.commitHooks.push(fn),
      onRollback: (fn) => mine.rollbackHooks.push(fn),
    };
  }

  /** Waits for the open batch, stops the feed and closes the writer (the pool is the caller's). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    while (this.batchEnded) await this.batchEnded;
    await this.feed;
    await this.writer?.end().catch(() => {});
  }
}

/**
 * A failure to reach the database, said as kube-apiserver says it when etcd is down (an
 * InternalError naming the storage); SQL errors (a five-character SQLSTATE outside class 08
 * and the shutdown codes) stay as they are.
 */
function unavailable(err: unknown): unknown {
  if (isSqlError(err) || err instanceof UniqueViolation || err instanceof CompactedError || !(err instanceof Error)) return err;
  return new StorageUnavailable(`storage unavailable: PostgreSQL: ${err.message}`, { cause: err });
}
