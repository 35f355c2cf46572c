// Events: kube-apiserver's event registry (pkg/registry/core/event) over the object store, and
// the writing half of client-go's EventRecorder + EventCorrelator for svcplane's own controllers.
// Events are namespaced, may be created by PUT, may be updated without a resourceVersion, and
// expire a fixed time after they were last touched (kube-apiserver's --event-ttl, an etcd lease
// there, a sweep here). No HTTP and no SQL here.
import { canonicalize } from '../model/canonical.js';
import { Event, type ObjectReference } from '../model/event.js';
import type { ObjectStore } from '../storage/objectStore.js';
import { AggregationIndex, aggregationKey, lastTouched } from './eventAggregation.js';
import { eventFieldVersions } from './eventConversion.js';
import { GenericStore, type NamespaceGate } from './generic/store.js';
import { controllerManager } from './generic/store.js';
import type { Strategy } from './generic/strategy.js';
import { randomIdentities, timestamp, type Identities } from './metadata.js';
import {
  eventsV1Version,
  validateEvent,
  validateEventMeta,
  validateEventMetaUpdate,
  validateEventV1Create,
  validateEventV1Update,
} from './validation/event.js';
import { validateObjectMetaUpdate } from './validation/objectMeta.js';

const resource = 'events';

export interface EventRegistryOptions {
  /** How long an event lives after its last write; kube-apiserver's --event-ttl defaults to 1h. */
  ttlMs?: number;
  identities?: Identities;
}

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
  metadata: {},
  involvedObject: {},
  source: {},
  firstTimestamp: null,
  lastTimestamp: null,
  eventTime: null,
  reportingComponent: '',
  reportingInstance: '',
});

function serialize(ev: Event): string {
  const c = canonicalize(Event, ev) as Record<string, unknown>;
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

/** pkg/registry/core/event/strategy.go, with the aggregation index following every write. */
function eventStrategy(aggregation: AggregationIndex): Strategy<Event> {
  return {
    // rest.BeforeCreate: the strategy's validation first, then the generic metadata checks, each
    // failing on its own so that the specific message wins.
    // ValidateEventCreate/Update by the request's group/version: writes through events.k8s.io/v1
    // get the strict checks on top of legacyValidateEvent.
    validate: (ev, version) => [version === eventsV1Version ? validateEventV1Create(ev) : validateEvent(ev), validateEventMeta(ev.metadata)],
    allowCreateOnUpdate: true,
    validateUpdate: (ev, old, version) => [
      ...validateEventMetaUpdate(ev.metadata!, old.metadata!),
      ...validateEvent(ev),
      ...(version === eventsV1Version ? [...validateObjectMetaUpdate(ev.metadata!, old.metadata!), ...validateEventV1Update(ev, old)] : []),
    ],
    serialize,
    written: (ev) => aggregation.written(ev),
    removed: (row) => aggregation.removed(row),
  };
}

export class EventRegistry extends GenericStore<Event> {
  private readonly ttlMs: number;
  private readonly aggregation: AggregationIndex;

  constructor(store: ObjectStore, namespaces: NamespaceGate, options: EventRegistryOptions = {}) {
    const aggregation = new AggregationIndex(async (tx) => (await tx.list(resource)).map((b) => JSON.parse(b) as Event));
    super(store, {
      resource,
      kind: 'Event',
      apiVersion: 'v1',
      namespaced: true,
      strategy: eventStrategy(aggregation),
      identities: options.identities ?? randomIdentities,
      namespaces,
      schema: Event,
      // Writes through events.k8s.io/v1 record their managedFields in that group's field names.
      fieldVersions: eventFieldVersions,
      servedAlsoAs: [eventsV1Version],
    });
    this.aggregation = aggregation;
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000;
  }

  /**
   * What a controller's EventRecorder and EventCorrelator do together: a repeat of an event
   * already stored (same source, object, type, reason and message) bumps its count and
   * lastTimestamp; anything else becomes a new event named as client-go names them,
   * `<object name>.<UnixNano in hex>`, in the object's namespace ("default" for cluster-scoped
   * objects). Throws the StatusError the API would answer with, e.g. for a terminating namespace.
   */
  record(input: RecordInput, now: Date = new Date()): Promise<Event> {
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
    return this.run({}, async (tx) => {
      const known = await this.aggregation.lookup(tx, key);
      const row = known && (await this.row(known.namespace, known.name, tx));
      if (row) {
        const current = JSON.parse(row.body) as Event;
        if (aggregationKey(current) === key && !current.metadata?.deletionTimestamp) {
          return this.updateIn(tx, row, { ...current, count: (current.count || 1) + 1, lastTimestamp: ts }, 'main', controllerManager);
        }
      }
      const namespace = ref.namespace || 'default';
      let nanos = BigInt(now.getTime()) * 1_000_000n;
      while (await this.row(namespace, `${ref.name ?? ''}.${nanos.toString(16)}`, tx)) nanos += 1n;
      ev.metadata = { name: `${ref.name ?? ''}.${nanos.toString(16)}` };
      return this.createIn(tx, namespace, ev, controllerManager, now);
    });
  }

  /** Deletes every event not written for the TTL; returns how many went. Run it on a timer. */
  async expire(now: Date = new Date()): Promise<number> {
    const cutoff = now.getTime() - this.ttlMs;
    const stale = (await this.store.list(resource)).map((b) => JSON.parse(b) as Event).filter((ev) => lastTouched(ev) < cutoff);
    if (stale.length === 0) return 0;
    return this.run({}, async (tx) => {
      let removed = 0;
      for (const ev of stale) {
        const row = await this.row(ev.metadata!.namespace!, ev.metadata!.name!, tx);
        // An etcd lease ends the object whatever its finalizers say.
        if (row) {
          await this.removeIn(tx, row, JSON.parse(row.body) as Event);
          removed++;
        }
      }
      return removed;
    });
  }
}
