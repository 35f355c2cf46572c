// The storage interface: objects, their change log and their allocations, as the registries see
// them. It knows nothing of Kubernetes semantics (the registry decides what to write; the store
// makes it atomic) and nothing of SQL: each dialect (storage/sqlite/, and the next one beside it)
// is the SQL and its error codes behind these few calls, as kine's dialects are behind its Log.
//
// Everything a dialect may have to ask over a network returns a Promise. Transactions are
// serializable and a dialect runs them one at a time (SQLite in its process; a networked database
// under a transaction-scoped lock, so that the revision order is the commit order and no watcher
// ever sees a gap filled later). A transaction's revisions are handed out as it goes, because a
// resourceVersion is written into the very body it stamps.

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
  /** The object before this change; null for ADDED. */
  prevBody: string | null;
}

/** A read needs history that pruning has removed (kube-apiserver: etcd compaction). */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`revision ${requested} is compacted (history starts after ${compacted})`);
  }
}

/** A write lost a race for a unique key: the object name or an allocated value. */
export class UniqueViolation extends Error {
  constructor(
    readonly what: 'object' | 'allocation',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The database cannot be reached (a networked dialect's connection is down). The API answers
 * it as kube-apiserver answers when etcd is down: a 500 whose message names the storage.
 */
export class StorageUnavailable extends Error {}

/** Thrown out of a transaction to roll it back on purpose (dry runs) while returning a value. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

export interface ListPageOptions {
  /** The snapshot to read; the current revision when absent. */
  revision?: number;
  /** Start after this key (exclusive), for the next page. */
  after?: { namespace: string; name: string };
  limit?: number;
  /** Keeps an object (selectors); the store only sees bodies. */
  accept?: (body: string) => boolean;
  /**
   * Keeps only bodies that contain one of these strings, a prefilter a dialect may evaluate in
   * the database, so a reader that wants a few objects out of 100,000 does not parse them all.
   */
  containsAny?: string[];
}

export interface ListPage {
  bodies: string[];
  revision: number;
  /** Key of the last item returned when more objects follow it. */
  more?: { namespace: string; name: string };
  /** How many objects follow the page, when no `accept` filter makes that unknowable cheaply. */
  remaining?: number;
}

/** Reads that see the transaction's own writes. */
export interface ReadTx {
  get(key: ObjectKey): Promise<StoredObject | undefined>;
  /** Bodies ordered by namespace then name, as kube-apiserver lists. */
  list(resource: string, namespace?: string): Promise<string[]>;
  count(resource: string, namespace: string): Promise<number>;
  allocation(pool: string, value: string): Promise<AllocationRow | undefined>;
}

export interface WriteTx extends ReadTx {
  /** Reserves the next resourceVersion; each object write in the transaction takes its own. */
  nextRevision(): number;
  /** UniqueViolation('object') when the key exists. */
  insert(obj: StoredObject): Promise<void>;
  update(obj: StoredObject): Promise<void>;
  remove(key: ObjectKey, resourceVersion: number, finalBody: string): Promise<void>;
  /** UniqueViolation('allocation') when the value is held. */
  allocate(row: AllocationRow): Promise<void>;
  /** Frees a value held by `uid`; false when that owner does not hold it. */
  release(pool: string, value: string, uid: string): Promise<boolean>;
  /** Runs after the transaction's writes take effect (in-memory bookkeeping that must follow the database). */
  onCommit(fn: () => void): void;
  /** Runs if the transaction rolls back, to undo in-memory bookkeeping done inside it. */
  onRollback(fn: () => void): void;
}

export interface TransactionOptions {
  /**
   * `fn` may be called again after its first attempt rolled back (it starts from its input each
   * time). A networked dialect may then answer a write that rarely fails (an allocation) at once
   * and send it with the next statement, in one round trip; if it did fail after all, the
   * attempt is rolled back and `fn` runs again with every write answered by the database.
   */
  replayable?: boolean;
}

export interface ObjectStore extends ReadTx {
  /** The newest committed revision, known without a round trip. */
  currentRevision(): number;
  /** The newest revision pruned from the change log: history is complete for revisions after it. */
  compactedRevision(): number;
  /**
   * One page of a list as it was at `options.revision`, in key order: a page sequence at one
   * revision lists every object exactly once however many writes happen between pages.
   */
  listPage(resource: string, namespace: string | undefined, options?: ListPageOptions): Promise<ListPage>;
  /** Changes to one resource after `revision`, oldest first; CompactedError when some were pruned. */
  changesSince(resource: string, revision: number): Promise<Change[]>;
  /** The values held in a pool, without their holders: what an allocator needs at start. */
  allocatedValues(pool: string): Promise<string[]>;
  allocations(pool: string): Promise<AllocationRow[]>;
  /** Every pool with a row, including pools of ranges no longer configured. */
  allocationPools(): Promise<string[]>;
  /** A page of objects after (namespace, name) in key order, for passes over a whole resource. Not a snapshot. */
  scanObjects(
    resource: string,
    after: { namespace: string; name: string },
    limit: number,
  ): Promise<{ namespace: string; name: string; uid: string; body: string }[]>;
  /** A page of allocation rows after (pool, value) in key order. Not a snapshot. */
  scanAllocations(after: { pool: string; value: string }, limit: number): Promise<AllocationRow[]>;
  /**
   * Runs `fn` as one atomic write; a throw rolls back its rows, its revisions and its hooks. It
   * resolves once the writes are visible to every later read; durable() says when they are on disk.
   */
  transaction<T>(fn: (tx: WriteTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** True while writes wait to become durable (a dialect that commits each transaction never is). */
  readonly committing: boolean;
  /** Resolves once every write made so far is durable; rejects if their commit failed. */
  durable(): Promise<void>;
  /** Listeners see each committed transaction's changes, in revision order (the watch hub). */
  onCommitted(listener: (changes: Change[]) => void): () => void;
  /** Writes and commits so far: writes per commit is how well a dialect's group commit batches. */
  readonly stats: { writes: number; commits: number };
}
