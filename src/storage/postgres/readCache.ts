// The PostgreSQL dialect's read cache: recently read objects, and the one round trip that makes
// serving them linearizable when other replicas write to the same database.
//
// What the cache holds. The store's feed applies the change log in revision order (every
// replica's changes, its own after COMMIT); the feed's revision R is the newest change applied.
// Applying a change to a cached key replaces the entry with the object as the change left it
// when the change is an update (the uid stays), and drops it otherwise; an entry already newer
// than the change stays as it is. An entry is filled from a read of committed state at some
// snapshot S, and only when either no change was applied while the read was in flight, or the
// row read is at least as new as R at fill time. So for an entry e of key k with
// resourceVersion rv <= R: every change to k up to S is in e (rv is k's newest change at S),
// every change applied before the fill is at most S, and every change applied after the fill
// replaced e with its result or dropped it. Hence e is k's state at R. Keeping updated entries,
// rather than dropping them, is what lets the next write of an object that is written again
// and again (a status, a lease, an annotation) read it without a round trip.
//
// Why a GET may return it. kube-apiserver answers a GET without resourceVersion with a
// consistent read: a quorum read from etcd, or with ConsistentListFromCache its watch cache
// once the cache has caught up with etcd's current revision (one cheap revision request). Here
// a write is acknowledged only after it commits, so every write acknowledged before a GET began
// (on any replica) has a revision at most H, the newest revision in the database read after the
// GET began. If R >= H, the cache answers with k's state at R, which contains all of them and
// only committed changes; later reads see R' >= R, so no reader ever goes back in time. If R < H
// (the NOTIFY of another replica's commit has not been applied yet), the GET reads the database.
//
// The revision request is shared: the GETs that arrive in one turn of the event loop (the
// requests whose bytes came in together) share one, sent once that turn's I/O callbacks have
// run. A GET may not use a request that was already on its way when it arrived (that request
// may have read the head before a write the GET must see was acknowledged); the one it joins is
// sent after it began. So concurrent GETs cost one round trip between them, as kube's
// ConsistentListFromCache requests the revision once for a batch of reads, and none waits for
// more than one.
import type { StoredObject } from '../objectStore.js';

export const cacheKey = (k: { resource: string; namespace: string; name: string }) => `${k.resource}\0${k.namespace}\0${k.name}`;

export class ReadCache {
  private readonly objects = new Map<string, StoredObject>();

  constructor(private readonly capacity: number) {}

  /** The entry when it is the key's state at `revision` (see above); a copy. */
  lookup(id: string, revision: number): StoredObject | undefined {
    const hit = this.objects.get(id);
    return hit && hit.resourceVersion <= revision ? { ...hit } : undefined;
  }

  has(id: string): boolean {
    return this.objects.has(id);
  }

  fill(id: string, obj: StoredObject): void {
    if (!this.objects.has(id) && this.objects.size >= this.capacity) this.objects.delete(this.objects.keys().next().value!);
    this.objects.set(id, { ...obj });
  }

  /** The feed applied `change` to key `id` (see above). */
  applied(id: string, change: { event: string; revision: number; body: string }): void {
    const entry = this.objects.get(id);
    if (!entry || entry.resourceVersion >= change.revision) return;
    if (change.event === 'MODIFIED') this.objects.set(id, { ...entry, resourceVersion: change.revision, body: change.body });
    else this.objects.delete(id);
  }

  clear(): void {
    this.objects.clear();
  }
}

interface Waiter {
  promise: Promise<number>;
  resolve: (head: number) => void;
  reject: (err: unknown) => void;
}

/** The database's newest revision, one request per turn of the event loop shared by everyone who asked in it. */
export class HeadProbe {
  /** The request not sent yet, which callers join until it goes. */
  private next: Waiter | undefined;

  constructor(private readonly ask: () => Promise<number>) {}

  /** A revision read from the database after this call began. */
  head(): Promise<number> {
    if (this.next) return this.next.promise;
    let resolve!: (head: number) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const waiter: Waiter = { promise, resolve, reject };
    this.next = waiter;
    setImmediate(() => {
      this.next = undefined;
      this.ask().then(waiter.resolve, waiter.reject);
    });
    return promise;
  }
}
