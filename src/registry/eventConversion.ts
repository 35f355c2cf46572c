// events.k8s.io/v1 Event <-> core/v1 Event, as kube converts through the internal type
// (pkg/apis/events/v1/conversion.go): note is message, regarding is involvedObject,
// reportingController is reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count
// are source/firstTimestamp/lastTimestamp/count; the rest keep their names. Events are stored in
// the core shape, so one storage (and one resourceVersion sequence) serves both groups.
import type { Event } from '../model/event.js';
import type { EventV1 } from '../model/eventV1.js';
import type { FieldVersions } from './apply/fieldManager.js';
import { FieldSet } from './apply/fieldSet.js';
import type { Conversion } from './generic/convertedStore.js';

/** events.k8s.io/v1 name -> core/v1 name, for the fields whose names differ. */
const renamed = {
  reportingController: 'reportingComponent',
  regarding: 'involvedObject',
  note: 'message',
  deprecatedSource: 'source',
  deprecatedFirstTimestamp: 'firstTimestamp',
  deprecatedLastTimestamp: 'lastTimestamp',
  deprecatedCount: 'count',
} as const;

const same = ['metadata', 'eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'] as const;

/**
 * To the stored shape: a renaming of the fields present and nothing more, so that a partial
 * object (an apply configuration) converts to the matching partial object. kind and apiVersion
 * are left for the core store to set.
 */
export function eventToCore(ev: EventV1): Event {
  const src = ev as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of same) if (src[k] !== undefined) out[k] = src[k];
  for (const [from, to] of Object.entries(renamed)) if (src[from] !== undefined) out[to] = src[from];
  return out as Event;
}

/**
 * A stored event as Go writes an events.k8s.io/v1 Event: its field order, eventTime and the
 * deprecated times null when unset, regarding and deprecatedSource {} (structs have no
 * omitempty), series.count always, empty strings and a zero deprecatedCount left out.
 */
export function eventFromCore(ev: Event): EventV1 {
  const out: Record<string, unknown> = { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: ev.metadata ?? {}, eventTime: ev.eventTime ?? null };
  if (ev.series) out.series = { count: ev.series.count ?? 0, lastObservedTime: ev.series.lastObservedTime ?? null };
  const text = (key: string, value: string | undefined) => {
    if (value) out[key] = value;
  };
  text('reportingController', ev.reportingComponent);
  text('reportingInstance', ev.reportingInstance);
  text('action', ev.action);
  text('reason', ev.reason);
  out.regarding = ev.involvedObject ?? {};
  if (ev.related) out.related = ev.related;
  text('note', ev.message);
  text('type', ev.type);
  out.deprecatedSource = ev.source ?? {};
  out.deprecatedFirstTimestamp = ev.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = ev.lastTimestamp ?? null;
  if (ev.count) out.deprecatedCount = ev.count;
  return out as EventV1;
}

export const eventV1Conversion: Conversion<EventV1, Event> = { toStored: eventToCore, fromStored: eventFromCore };

const eventsV1 = 'events.k8s.io/v1';
const toV1Names = new Map(Object.entries(renamed).map(([v1, core]) => [`f:${core}`, `f:${v1}`]));
const toCoreNames = new Map(Object.entries(renamed).map(([v1, core]) => [`f:${v1}`, `f:${core}`]));

/**
 * managedFields sets between the two groups: the same renaming, of the top-level fields. Entries
 * are kept in the names of the group/version their manager wrote through, as kube keeps them.
 */
export const eventFieldVersions: FieldVersions = {
  convert(set, from, to) {
    const names = to === eventsV1 && from !== eventsV1 ? toV1Names : from === eventsV1 && to !== eventsV1 ? toCoreNames : undefined;
    if (!names || !set.children) return set;
    const out = new FieldSet();
    out.member = set.member;
    out.children = new Map([...set.children].map(([name, child]) => [names.get(name) ?? name, child]));
    return out;
  },
};
