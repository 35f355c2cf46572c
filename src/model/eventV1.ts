// io.k8s.api.events.v1 Event and its parts, in the field order of k8s.io/api/events/v1/types.go:
// what client-go's events.EventBroadcaster writes. It is a second face of the core/v1 Event (one
// storage, kube's conversion in registry/eventConversion.ts): note is message, regarding is
// involvedObject, reportingController is reportingComponent, the deprecated* fields are the
// legacy source, timestamps and count.
import { Type, type Static, type TSchema } from 'typebox';
import { EventSource, ObjectReference } from './event.js';
import { Described, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';

// As in event.ts: Go writes a zero metav1.Time / MicroTime as null; the decoder drops nulls.
const Time = (description: string) => Type.Unsafe<string | null>(Type.String({ format: 'date-time', description }));

export const EventSeriesV1 = Type.Object(
  {
    // Required in Go (no omitempty) but optional here: kube decodes a series without them and
    // validation reports it (series.count, series.lastObservedTime), not the decoder.
    count: Type.Optional(Type.Integer({ description: 'count is how many times the event has happened in this series, up to the last heartbeat.' })),
    lastObservedTime: Type.Optional(Time('lastObservedTime is when the last event of the series was seen, before the last heartbeat.')),
  },
  { description: 'EventSeries describes something that keeps happening over a period of time; its reporter updates it on heartbeats.' },
);
protobuf(EventSeriesV1, 'k8s.io.api.events.v1.EventSeries', { count: [1, 'int32'], lastObservedTime: [2, 'micro'] });
export type EventSeriesV1 = Static<typeof EventSeriesV1>;

export const EventV1 = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ObjectMeta, 'Standard object metadata.')),
    eventTime: Type.Optional(Time('eventTime is when this event was first observed. It is required.')),
    series: Type.Optional(Described(EventSeriesV1, 'series describes the series this event belongs to; absent for an event that happened once.')),
    reportingController: Type.Optional(
      Type.String({ description: 'reportingController names the controller that emitted the event, e.g. kubernetes.io/kubelet. Required for new events.' }),
    ),
    reportingInstance: Type.Optional(
      Type.String({
        description: 'reportingInstance names the instance of the controller, e.g. kubelet-xyzf. Required for new events; at most 128 characters.',
      }),
    ),
    action: Type.Optional(
      Type.String({
        description: 'action is what was done, or failed to be done, to the regarding object; machine-readable. Required; at most 128 characters.',
      }),
    ),
    reason: Type.Optional(Type.String({ description: 'reason is why the action was taken; human-readable. Required for new events; at most 128 characters.' })),
    regarding: Type.Optional(Described(ObjectReference, 'regarding is the object this event is about, usually one its reporting controller manages.')),
    related: Type.Optional(Described(ObjectReference, 'related is a second object the action concerns, e.g. one the regarding object created or deleted.')),
    note: Type.Optional(
      Type.String({ description: 'note is a human-readable account of what happened, at most 1 kB (readers should cope with up to 64 kB).' }),
    ),
    type: Type.Optional(Type.String({ description: 'type is Normal or Warning; other types may appear later. Required for new events.' })),
    deprecatedSource: Type.Optional(Described(EventSource, 'deprecatedSource is the core/v1 source, kept for compatibility.')),
    deprecatedFirstTimestamp: Type.Optional(Time('deprecatedFirstTimestamp is the core/v1 firstTimestamp, kept for compatibility.')),
    deprecatedLastTimestamp: Type.Optional(Time('deprecatedLastTimestamp is the core/v1 lastTimestamp, kept for compatibility.')),
    deprecatedCount: Type.Optional(Type.Integer({ description: 'deprecatedCount is the core/v1 count, kept for compatibility.' })),
  },
  {
    description:
      'Event reports something that happened in the cluster, usually a change of state. Events are kept for a limited time; treat them as informative, best-effort data, not a record to rely on.',
  },
);
protobuf(EventV1, 'k8s.io.api.events.v1.Event', {
  metadata: 1,
  eventTime: [2, 'micro'],
  series: [3, 'pointer'],
  reportingController: 4,
  reportingInstance: 5,
  action: 6,
  reason: 7,
  regarding: 8,
  related: [9, 'pointer'],
  note: 10,
  type: 11,
  deprecatedSource: 12,
  deprecatedFirstTimestamp: 13,
  deprecatedLastTimestamp: 14,
  deprecatedCount: [15, 'int32'],
});
export type EventV1 = Static<typeof EventV1>;

export const EventListV1 = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata.')),
    items: Type.Array(EventV1, { description: 'items is the list of events.' }),
  },
  { description: 'EventList is a list of Event objects.' },
);
export type EventListV1 = Static<typeof EventListV1>;

const events = 'io.k8s.api.events.v1.';

/** The definitions the events.k8s.io/v1 declaration brings; ObjectReference and EventSource are core's. */
export const eventV1Definitions: Record<string, TSchema> = {
  [`${events}Event`]: EventV1,
  [`${events}EventList`]: EventListV1,
  [`${events}EventSeries`]: EventSeriesV1,
};
