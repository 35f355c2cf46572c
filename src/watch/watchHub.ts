// The watch hub: every committed change goes from the store's commit hook to the watchers of
// its resource, in revision order, synchronously. A watcher joins the live feed before it reads
// its starting state (or replays the change log), holding back what arrives meanwhile; once the
// read is in, it sends what came after the revision it read and goes live. So no committed write
// can fall between the two however long the read takes: no gaps, no duplicates, and nothing
// uncommitted is ever seen. HTTP streams and the controllers are all just sinks of this hub.
import { CompactedError, type Change, type ListPage, type ObjectStore } from '../storage/objectStore.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** One event; `object` is the object's JSON text, shared by every watcher that gets it. */
export interface WatchEvent {
  type: WatchEventType;
  object: string;
  revision: number;
  /** Sinks may memoise their encoding of the event here, so fan-out encodes it once. */
  encoded?: string;
  /** ...and that encoding framed as an HTTP chunk. */
  frame?: Buffer;
  /** The same for protobuf watchers: the length-prefixed WatchEvent, and it as an HTTP chunk. */
  protobuf?: Buffer;
  protobufFrame?: Buffer;
  /** The object parsed once for the in-process sinks (controllers, DNS): see eventObject. */
  parsed?: unknown;
}

/**
 * The event's object, parsed once however many in-process sinks read it. Shared: a sink must not
 * change it (none does; each keeps what it needs).
 */
export function eventObject<T>(event: WatchEvent): T {
  return (event.parsed ??= JSON.parse(event.object)) as T;
}

export interface WatchSink {
  /** false means the consumer cannot keep up: the watcher is stopped and its sink ended. */
  send(event: WatchEvent): boolean;
  /** The watch is over (timeout, server closing, too slow); a client re-watches from its last revision. */
  end(): void;
}

export interface WatchRequest {
  resource: string;
  /** The kind bookmarks name (`Service`). */
  kind: string;
  /** The group/version bookmarks name; v1 when not given. A client decodes a bookmark as its type. */
  apiVersion?: string;
  namespace?: string;
  /** Only objects it accepts are seen; one that stops matching is DELETED, one that starts is ADDED. */
  matches?: (obj: unknown) => boolean;
  /** With the current state: only objects whose stored JSON contains one of these (see ListPageOptions). */
  initialContains?: string[];
  /** Stream the changes after this revision; undefined: start with the current state. */
  sinceRevision?: number;
  /** With the current state: end it with a bookmark annotated k8s.io/initial-events-end. */
  initialEventsEnd?: boolean;
  bookmarks?: boolean;
  timeoutMs?: number;
}

export interface WatchHandle {
  stop(): void;
}

interface Active {
  req: WatchRequest;
  sink: WatchSink;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  /** Live changes held back while the starting state is read. */
  held?: Dispatch[];
}

interface SharedRead {
  needles: Set<string>;
  /** A joiner wants every object: the read is not prefiltered. */
  all: boolean;
  page: Promise<ListPage>;
}

export interface WatchHubOptions {
  /** How often watchers that allow bookmarks get one (kube-apiserver: about a minute). */
  bookmarkIntervalMs: number;
}

/** A change as each kind of watcher sees it, computed once per change and shared. */
class Dispatch {
  private parsed?: unknown;
  private parsedPrev?: unknown;
  private plain?: WatchEvent;
  private added?: WatchEvent;
  private removed?: WatchEvent;

  constructor(readonly change: Change) {}

  forPlain(): WatchEvent {
    return (this.plain ??= { type: this.change.event, object: this.change.body, revision: this.change.revision });
  }

  /** kube-apiserver's cacheWatcher.convertToWatchEvent: selector transitions use the previous state. */
  forFilter(matches: (obj: unknown) => boolean): WatchEvent | undefined {
    const c = this.change;
    const now = c.event !== 'DELETED' && matches(this.obj());
    const before = c.prevBody !== null && matches(this.prev());
    if (now && before) return this.forPlain();
    if (now) return c.event === 'ADDED' ? this.forPlain() : (this.added ??= { type: 'ADDED', object: c.body, revision: c.revision });
    if (!before) return undefined;
    if (c.event === 'DELETED') return this.forPlain();
    // Stopped matching: DELETED with the last state it matched in, at the change's revision.
    this.removed ??= { type: 'DELETED', object: withResourceVersion(this.prev(), c.revision), revision: c.revision };
    return this.removed;
  }

  private obj(): unknown {
    return (this.parsed ??= JSON.parse(this.change.body));
  }

  private prev(): unknown {
    return (this.parsedPrev ??= JSON.parse(this.change.prevBody!));
  }
}

function withResourceVersion(obj: unknown, revision: number): string {
  const o = obj as { metadata?: Record<string, unknown> };
  return JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: String(revision) } });
}

export function bookmarkObject(kind: string, apiVersion: string, revision: number, initialEventsEnd = false): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
  if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return JSON.stringify({ kind, apiVersion, metadata });
}

export class WatchHub {
  private readonly byResource = new Map<string, Set<Active>>();
  /** Starting-state reads about to run, by resource and namespace, that watches may join. */
  private readonly sharedReads = new Map<string, SharedRead>();
  private waiters: { revision: number; resolve: (ok: boolean) => void }[] = [];
  private readonly ticker: NodeJS.Timeout;
  private closed = false;
  private queue: Change[][] = [];
  private dispatching = false;

  constructor(
    private readonly store: ObjectStore,
    readonly options: WatchHubOptions,
  ) {
    store.onCommitted((changes) => this.dispatch(changes));
    this.ticker = setInterval(() => this.sendBookmarks(), options.bookmarkIntervalMs);
    this.ticker.unref();
  }

  get watcherCount(): number {
    let n = 0;
    for (const set of this.byResource.values()) n += set.size;
    return n;
  }

  /**
   * Starts a watch: replays what the request asks for, then streams live changes.
   * Rejects with CompactedError when `sinceRevision` is older than the retained history.
   */
  async watch(req: WatchRequest, sink: WatchSink): Promise<WatchHandle> {
    const active: Active = { req, sink, stopped: false, held: [] };
    const handle = { stop: () => this.stop(active, false) };
    if (this.closed) {
      sink.end();
      return handle;
    }
    let set = this.byResource.get(req.resource);
    if (!set) this.byResource.set(req.resource, (set = new Set()));
    set.add(active);
    let ok = true;
    let seen: number;
    try {
      if (req.sinceRevision === undefined) {
        const page = await this.initialState(req);
        seen = page.revision;
        if (active.stopped) return handle;
        // The initial burst is as big as a list and is written however slow the reader is; only
        // live events count against a reader that falls behind.
        for (const body of page.bodies) sink.send({ type: 'ADDED', object: body, revision: page.revision });
        if (req.initialEventsEnd)
          sink.send({ type: 'BOOKMARK', object: bookmarkObject(req.kind, req.apiVersion ?? 'v1', page.revision, true), revision: page.revision });
      } else {
        const changes = await this.store.changesSince(req.resource, req.sinceRevision);
        seen = changes.at(-1)?.revision ?? req.sinceRevision;
        if (active.stopped) return handle;
        for (const change of changes) {
          ok = this.deliver(active, new Dispatch(change));
          if (!ok) break;
        }
      }
    } catch (err) {
      set.delete(active);
      throw err;
    }
    const held = active.held ?? [];
    active.held = undefined;
    for (const d of held) {
      if (!ok) break;
      if (d.change.revision > seen) ok = this.deliver(active, d);
    }
    if (!ok) {
      this.stop(active, true);
      return handle;
    }
    if (req.timeoutMs !== undefined && !active.stopped) {
      active.timer = setTimeout(() => this.stop(active, true), req.timeoutMs);
      active.timer.unref();
    }
    return handle;
  }

  /**
   * The starting state of a watch. Watches that begin together on one resource and namespace
   * with no selector share one read (as kube-controller-manager's informers share a list), each
   * keeping the bodies it asked for: a prefiltered read still scans every stored body, and at
   * start, with 100,000 Services and several controllers, that scan is most of the reading.
   */
  private async initialState(req: WatchRequest): Promise<ListPage> {
    const matches = req.matches;
    if (matches) return this.store.listPage(req.resource, req.namespace, { accept: (body) => matches(JSON.parse(body)), containsAny: req.initialContains });
    const key = `${req.resource}\0${req.namespace === undefined ? '*' : `=${req.namespace}`}`;
    let shared = this.sharedReads.get(key);
    if (!shared) {
      const read: SharedRead = { needles: new Set(), all: false, page: Promise.resolve(undefined as unknown as ListPage) };
      // Read once the watches started in this turn have joined.
      read.page = Promise.resolve().then(() => {
        this.sharedReads.delete(key);
        return this.store.listPage(req.resource, req.namespace, { containsAny: read.all ? undefined : [...read.needles] });
      });
      this.sharedReads.set(key, (shared = read));
    }
    const mine = req.initialContains;
    if (mine) for (const n of mine) shared.needles.add(n);
    else shared.all = true;
    const joined = shared;
    const page = await joined.page;
    if (!mine || (!joined.all && joined.needles.size === mine.length)) return page;
    return { ...page, bodies: page.bodies.filter((body) => mine.some((n) => body.includes(n))) };
  }

  /** Resolves true once the store has reached `revision`, false after `timeoutMs`. */
  waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.store.currentRevision() >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { revision, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  /** Ends every stream (server shutdown); clients reconnect and resume from their revision. */
  closeAll(): void {
    this.closed = true;
    clearInterval(this.ticker);
    for (const set of this.byResource.values()) for (const a of [...set]) this.stop(a, true);
  }

  private stop(active: Active, endSink: boolean): void {
    if (active.stopped) return;
    active.stopped = true;
    if (active.timer) clearTimeout(active.timer);
    this.byResource.get(active.req.resource)?.delete(active);
    if (endSink) active.sink.end();
  }

  private deliver(active: Active, d: Dispatch): boolean {
    const { req } = active;
    if (req.namespace !== undefined && d.change.namespace !== req.namespace) return true;
    const event = req.matches ? d.forFilter(req.matches) : d.forPlain();
    return event ? active.sink.send(event) : true;
  }

  private dispatch(changes: Change[]): void {
    // A sink that writes from inside send() commits a new change while this one is still being
    // fanned out; queueing it keeps every watcher's events in revision order.
    this.queue.push(changes);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.fanOut(next);
    } finally {
      this.dispatching = false;
    }
  }

  private fanOut(changes: Change[]): void {
    for (const change of changes) {
      const set = this.byResource.get(change.resource);
      if (!set || set.size === 0) continue;
      const d = new Dispatch(change);
      for (const active of set) {
        if (active.held) active.held.push(d);
        else if (!this.deliver(active, d)) this.stop(active, true);
      }
    }
    if (this.waiters.length) {
      const now = this.store.currentRevision();
      const ready = this.waiters.filter((w) => w.revision <= now);
      this.waiters = this.waiters.filter((w) => w.revision > now);
      for (const w of ready) w.resolve(true);
    }
  }

  private sendBookmarks(): void {
    const revision = this.store.currentRevision();
    for (const set of this.byResource.values()) {
      for (const active of set) {
        if (!active.req.bookmarks || active.held) continue;
        if (!active.sink.send({ type: 'BOOKMARK', object: bookmarkObject(active.req.kind, active.req.apiVersion ?? 'v1', revision), revision }))
          this.stop(active, true);
      }
    }
  }
}

export { CompactedError };
