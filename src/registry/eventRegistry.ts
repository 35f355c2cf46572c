// Events: kube-apiserver's event registry (pkg/registry/core/event) over the object store, and
// the writing half of client-go's EventRecorder + EventCorrelator for svcplane's own controllers.
// Events are namespaced, may be created by PUT, may be updated without a resourceVersion, and
// expire a fixed time after they were last touched (kube-apiserver's --event-ttl, an etcd lease
// there, a sweep here). No HTTP and no SQL here.
import { canonicalize } from '../model/canonical.js';
import { Event, type ObjectReference } from '../model/event.js';
import type { ObjectStore, StoredObject, WriteTx } from '../storage/objectStore.js';
import { Rollback, UniqueViolation } from '../storage/objectStore.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, staleResourceVersion, unknownError } from './errors.js';
import { randomIdentities, timestamp, type Identities } from './metadata.js';
import { AggregationIndex, aggregationKey, lastTouched } from './eventAggregation.js';
import type { NamespaceRegistry } from './namespaceRegistry.js';
import { validateEvent, validateEventMeta, validateEventMetaUpdate } from './validation/event.js';

const resource = 'events';
/** What a namespace holds; a Terminating namespace goes away once none of it is left. */
const namespacedResources = ['events', 'services'];

export interface EventRegistryOptions {
  /** How long an event lives after its last write; kube-apiserver's --event-ttl defaults to 1h. */
  ttlMs?: number;
  identities?: Identities;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListFilter {
  matches?: (ev: Event) => boolean;
}

/** A patch, applied to the current object inside the write transaction. */
export type Mutation = (current: Event) => Event;

/** What a controller reports, as it would through client-go's EventRecorder. */
export interface RecordInput {
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** The recorder's source component, e.g. service-controller. */
  component: string;
  /** The recorder's source host; controllers in kube-controller-manager leave it empty. */
  host?: string;
}

// Go's encoding/json writes struct fields even when empty ({}), zero metav1.Time/MicroTime as
// null, and reportingComponent/reportingInstance always (their tags have no omitempty); count,
// an omitempty int32, is left out at 0.
const alwaysWritten = (): Record<string, unknown> => ({
  metadata: {}, involvedObject: {}, source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '',
});

function serialize(ev: Event): string {
  const c = canonicalize(Event, { ...ev, kind: 'Event', apiVersion: 'v1' }) as Record<string, unknown>;
  const defaults = alwaysWritten();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(Event.properties)) {
    const v = c[key] ?? defaults[key];
    if (v !== undefined && !(key === 'count' && v === 0)) out[key] = v;
  }
  const series = out.series as { count?: number; lastObservedTime?: string } | undefined;
  if (series) out.series = { ...(series.count ? { count: series.count } : {}), lastObservedTime: series.lastObservedTime ?? null };
  return JSON.stringify(out);
}

export class EventRegistry {
  private readonly ttlMs: number;
  private readonly ids: Identities;
  private readonly aggregation = new AggregationIndex(() => this.store.list(resource).map((b) => JSON.parse(b) as Event));

  constructor(
    private readonly store: ObjectStore,
    private readonly namespaces: NamespaceRegistry,
    options: EventRegistryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000;
    this.ids = options.identities ?? randomIdentities;
    // Deleting a namespace deletes its events first, then whatever was registered before.
    const previous = namespaces.deleteContents;
    namespaces.deleteContents = (tx, ns) => this.deleteNamespaceContents(tx, ns) + previous(tx, ns);
  }

  private row(namespace: string, name: string): StoredObject | undefined {
    return this.store.get({ resource, namespace, name });
  }

  /** The stored JSON, served as is. */
  getBody(namespace: string, name: string): string {
    const row = this.row(namespace, name);
    if (!row) throw notFound(resource, name);
    return row.body;
  }

  get(namespace: string, name: string): Event {
    return JSON.parse(this.getBody(namespace, name)) as Event;
  }

  /** Bodies in namespace/name order, and the revision the list is consistent at. */
  listBodies(namespace: string | undefined): { bodies: string[]; resourceVersion: string } {
    return { bodies: this.store.list(resource, namespace), resourceVersion: String(this.store.currentRevision()) };
  }

  list(namespace: string | undefined, filter: ListFilter = {}): { items: Event[]; resourceVersion: string } {
    const { bodies, resourceVersion } = this.listBodies(namespace);
    let items = bodies.map((b) => JSON.parse(b) as Event);
    if (filter.matches) items = items.filter(filter.matches);
    return { items, resourceVersion };
  }

  private run<T>(options: WriteOptions, fn: (tx: WriteTx) => T): T {
    try {
      return this.store.transaction((tx) => {
        const result = fn(tx);
        if (options.dryRun) throw new Rollback(result);
        return result;
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as T;
      throw err;
    }
  }

  private checkTypeMeta(ev: Event): void {
    if ((ev.kind && ev.kind !== 'Event') || (ev.apiVersion && ev.apiVersion !== 'v1')) {
      throw badRequest(`the object provided is unrecognized (must be of type Event): ${ev.apiVersion ?? ''}, Kind=${ev.kind ?? ''}`);
    }
  }

  create(namespace: string, input: Event, options: WriteOptions = {}): Event {
    const ev = structuredClone(input);
    this.checkTypeMeta(ev);
    const meta = (ev.metadata ??= {});
    if (meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return this.run(options, (tx) => this.createIn(tx, namespace, ev));
  }

  private createIn(tx: WriteTx, namespace: string, ev: Event, now = new Date()): Event {
    const meta = ev.metadata!;
    meta.namespace = namespace;
    this.namespaces.assertAcceptsContent(namespace, resource, meta.name ?? meta.generateName ?? '');
    if (meta.resourceVersion && /^\d+$/.test(meta.resourceVersion) && meta.resourceVersion !== '0') {
      throw unknownError('resourceVersion should not be set on objects to be created');
    }
    if (!meta.name && meta.generateName) {
      do meta.name = this.ids.name(meta.generateName);
      while (this.row(namespace, meta.name));
    }
    meta.uid = this.ids.uid();
    meta.creationTimestamp = timestamp(now);
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields'] as const) delete meta[k];
    // rest.BeforeCreate: the strategy's validation first, then the generic metadata checks, each
    // failing on its own so that the specific message wins.
    for (const errs of [validateEvent(ev), validateEventMeta(meta)]) {
      if (errs.length) throw invalid('Event', meta.name ?? '', errs);
    }
    meta.resourceVersion = String(tx.nextRevision());
    const body = serialize(ev);
    try {
      tx.insert({ resource, namespace, name: meta.name!, uid: meta.uid, resourceVersion: Number(meta.resourceVersion), body });
    } catch (err) {
      if (err instanceof UniqueViolation) {
        const existing = JSON.parse(this.row(namespace, meta.name!)!.body) as Event;
        throw alreadyExists(resource, meta.name!, Boolean(existing.metadata?.deletionTimestamp));
      }
      throw err;
    }
    const out = JSON.parse(body) as Event;
    tx.onCommit(() => this.aggregation.written(out));
    return out;
  }

  private checkUpdateTarget(namespace: string, name: string, ev: Event): void {
    this.checkTypeMeta(ev);
    const meta = (ev.metadata ??= {});
    if (meta.name !== name) throw badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${name})`);
    if (meta.namespace && meta.namespace !== namespace) {
      throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${namespace})`);
    }
    meta.namespace = namespace;
  }

  /** PUT. The event strategy allows create on update, so a PUT to a missing name creates it. */
  update(namespace: string, name: string, input: Event, options: WriteOptions = {}): { object: Event; created: boolean } {
    const ev = structuredClone(input);
    this.checkUpdateTarget(namespace, name, ev);
    return this.run(options, (tx) => {
      const current = this.row(namespace, name);
      if (!current) {
        if (ev.metadata!.resourceVersion) throw notFound(resource, name);
        return { object: this.createIn(tx, namespace, ev), created: true };
      }
      return { object: this.updateIn(tx, current, ev), created: false };
    });
  }

  /** PATCH (client-go's EventSink patches count, lastTimestamp and message when it aggregates). */
  patch(namespace: string, name: string, mutate: Mutation, options: WriteOptions = {}): Event {
    return this.run(options, (tx) => {
      const current = this.row(namespace, name);
      if (!current) throw notFound(resource, name);
      const ev = mutate(JSON.parse(current.body) as Event);
      this.checkUpdateTarget(namespace, name, ev);
      return this.updateIn(tx, current, ev);
    });
  }

  private updateIn(tx: WriteTx, current: StoredObject, ev: Event): Event {
    const old = JSON.parse(current.body) as Event;
    const meta = ev.metadata!;
    const oldMeta = old.metadata!;
    const name = oldMeta.name!;
    if (meta.uid && meta.uid !== oldMeta.uid) {
      throw conflict(resource, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${oldMeta.uid}`);
    }
    // AllowUnconditionalUpdate: no resourceVersion means "whatever is stored".
    if (meta.resourceVersion && meta.resourceVersion !== oldMeta.resourceVersion) throw staleResourceVersion(resource, name);
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.resourceVersion = oldMeta.resourceVersion;
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (oldMeta[k] === undefined) delete meta[k];
      else (meta as Record<string, unknown>)[k] = oldMeta[k];
    }
    delete meta.selfLink;
    delete meta.managedFields;
    const errs = [...validateEventMetaUpdate(meta, oldMeta), ...validateEvent(ev)];
    if (errs.length) throw invalid('Event', name, errs);

    if (meta.deletionTimestamp && !(meta.finalizers?.length)) return this.removeIn(tx, current, ev);
    if (serialize(ev) === current.body) return old;
    meta.resourceVersion = String(tx.nextRevision());
    const body = serialize(ev);
    tx.update({ resource, namespace: current.namespace, name, uid: current.uid, resourceVersion: Number(meta.resourceVersion), body });
    const out = JSON.parse(body) as Event;
    tx.onCommit(() => this.aggregation.written(out));
    return out;
  }

  /** Removes the event; the change log gets its final state, so watchers see DELETED. */
  private removeIn(tx: WriteTx, current: StoredObject, ev: Event): Event {
    const rv = tx.nextRevision();
    const final = structuredClone(ev);
    final.metadata!.resourceVersion = String(rv);
    tx.remove(current, rv, serialize(final));
    tx.onCommit(() => this.aggregation.removed(current));
    const remaining = namespacedResources.reduce((n, r) => n + this.store.count(r, current.namespace), 0);
    this.namespaces.contentRemoved(tx, current.namespace, remaining);
    return JSON.parse(serialize(ev)) as Event;
  }

  delete(namespace: string, name: string, options: DeleteOptions = {}): Event {
    return this.run(options, (tx) => {
      const current = this.row(namespace, name);
      if (!current) throw notFound(resource, name);
      return this.deleteIn(tx, current, options);
    });
  }

  private deleteIn(tx: WriteTx, current: StoredObject, options: DeleteOptions): Event {
    const ev = JSON.parse(current.body) as Event;
    const meta = ev.metadata!;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(resource, meta.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(resource, meta.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    if (meta.finalizers?.length) {
      if (meta.deletionTimestamp) return ev;
      meta.deletionTimestamp = timestamp();
      meta.deletionGracePeriodSeconds = 0;
      meta.resourceVersion = String(tx.nextRevision());
      const body = serialize(ev);
      tx.update({ ...current, resourceVersion: Number(meta.resourceVersion), body });
      return JSON.parse(body) as Event;
    }
    return this.removeIn(tx, current, ev);
  }

  deleteCollection(namespace: string, filter: ListFilter, options: DeleteOptions = {}): { items: Event[]; resourceVersion: string } {
    return this.run(options, (tx) => {
      const items: Event[] = [];
      for (const body of this.store.list(resource, namespace)) {
        const ev = JSON.parse(body) as Event;
        if (filter.matches && !filter.matches(ev)) continue;
        items.push(this.deleteIn(tx, this.row(namespace, ev.metadata!.name!)!, options));
      }
      return { items, resourceVersion: String(this.store.currentRevision()) };
    });
  }

  /** Deletes a namespace's events inside the namespace's delete; returns how many remain. */
  deleteNamespaceContents(tx: WriteTx, namespace: string): number {
    for (const body of this.store.list(resource, namespace)) {
      const ev = JSON.parse(body) as Event;
      this.deleteIn(tx, this.row(namespace, ev.metadata!.name!)!, {});
    }
    return this.store.count(resource, namespace);
  }

  /**
   * What a controller's EventRecorder and EventCorrelator do together: a repeat of an event
   * already stored (same source, object, type, reason and message) bumps its count and
   * lastTimestamp; anything else becomes a new event named as client-go names them,
   * `<object name>.<UnixNano in hex>`, in the object's namespace ("default" for cluster-scoped
   * objects). Throws the StatusError the API would answer with, e.g. for a terminating namespace.
   */
  record(input: RecordInput, now: Date = new Date()): Event {
    const ref = { ...input.involvedObject };
    const ts = timestamp(now);
    const ev: Event = {
      metadata: {},
      involvedObject: ref,
      reason: input.reason,
      message: input.message,
      source: { component: input.component, ...(input.host ? { host: input.host } : {}) },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type: input.type,
      reportingComponent: input.component,
      reportingInstance: input.host ?? '',
    };
    const key = aggregationKey(ev);
    const known = this.aggregation.lookup(key);
    return this.run({}, (tx) => {
      const row = known && this.row(known.namespace, known.name);
      if (row) {
        const current = JSON.parse(row.body) as Event;
        if (aggregationKey(current) === key && !current.metadata?.deletionTimestamp) {
          return this.updateIn(tx, row, { ...current, count: (current.count || 1) + 1, lastTimestamp: ts });
        }
      }
      const namespace = ref.namespace || 'default';
      let nanos = BigInt(now.getTime()) * 1_000_000n;
      while (this.row(namespace, `${ref.name ?? ''}.${nanos.toString(16)}`)) nanos += 1n;
      ev.metadata = { name: `${ref.name ?? ''}.${nanos.toString(16)}` };
      return this.createIn(tx, namespace, ev, now);
    });
  }

  /** Deletes every event not written for the TTL; returns how many went. Run it on a timer. */
  expire(now: Date = new Date()): number {
    const cutoff = now.getTime() - this.ttlMs;
    const stale = this.store.list(resource).map((b) => JSON.parse(b) as Event).filter((ev) => lastTouched(ev) < cutoff);
    if (stale.length === 0) return 0;
    return this.run({}, (tx) => {
      let removed = 0;
      for (const ev of stale) {
        const row = this.row(ev.metadata!.namespace!, ev.metadata!.name!);
        // An etcd lease ends the object whatever its finalizers say.
        if (row) {
          this.removeIn(tx, row, JSON.parse(row.body) as Event);
          removed++;
        }
      }
      return removed;
    });
  }
}
