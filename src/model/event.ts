// io.k8s.api.core.v1 Event and its parts, in the field order of k8s.io/api/core/v1/types.go (the
// canonical encoder writes fields in schema order). The legacy core/v1 Event is what
// client-go's EventRecorder writes and what `kubectl describe` reads.
import { Type, type Static, type TSchema } from 'typebox';
import { Described, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';

// Go writes a zero metav1.Time / metav1.MicroTime as null rather than leaving it out, so stored
// and served events carry null where no time is set; the request decoder drops nulls before the
// shape check, so the schema itself stays a plain date-time string, as in Kubernetes' document.
const Time = (description: string) => Type.Unsafe<string | null>(Type.String({ format: 'date-time', description }));

export const ObjectReference = Type.Object(
  {
    kind: Type.Optional(Type.String({ description: 'Kind of the object referred to, e.g. Service.' })),
    namespace: Type.Optional(Type.String({ description: 'Namespace of the object referred to; empty for cluster-scoped objects.' })),
    name: Type.Optional(Type.String({ description: 'Name of the object referred to.' })),
    uid: Type.Optional(Type.String({ description: 'UID of the object referred to, which tells apart objects that reused a name.' })),
    apiVersion: Type.Optional(Type.String({ description: 'API version of the object referred to.' })),
    resourceVersion: Type.Optional(Type.String({ description: 'The resourceVersion of the object this reference was taken at, if any.' })),
    fieldPath: Type.Optional(
      Type.String({ description: 'When the reference is to a part of the object rather than all of it, the path to that part, e.g. spec.containers{app}.' }),
    ),
  },
  { description: 'ObjectReference identifies an object (or a part of one) well enough to look it up.', 'x-kubernetes-map-type': 'atomic' },
);
protobuf(ObjectReference, 'k8s.io.api.core.v1.ObjectReference', { kind: 1, namespace: 2, name: 3, uid: 4, apiVersion: 5, resourceVersion: 6, fieldPath: 7 });
export type ObjectReference = Static<typeof ObjectReference>;

export const EventSource = Type.Object(
  {
    component: Type.Optional(Type.String({ description: 'The component that reported the event, e.g. service-controller.' })),
    host: Type.Optional(Type.String({ description: 'The node the reporting component runs on, if any.' })),
  },
  { description: 'EventSource names who reported an event.' },
);
protobuf(EventSource, 'k8s.io.api.core.v1.EventSource', { component: 1, host: 2 });
export type EventSource = Static<typeof EventSource>;

export const EventSeries = Type.Object(
  {
    count: Type.Optional(Type.Integer({ description: 'How many times the event has happened in this series so far.' })),
    lastObservedTime: Type.Optional(Time('When the series was last seen to happen.')),
  },
  { description: 'EventSeries describes an event that keeps happening over a period of time.' },
);
protobuf(EventSeries, 'k8s.io.api.core.v1.EventSeries', { count: [1, 'int32'], lastObservedTime: [2, 'micro'] });
export type EventSeries = Static<typeof EventSeries>;

export const Event = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ObjectMeta, 'Standard object metadata.')),
    involvedObject: Type.Optional(Described(ObjectReference, 'The object the event is about.')),
    reason: Type.Optional(Type.String({ description: 'A short, machine-readable word for why the event happened, e.g. EnsuringLoadBalancer.' })),
    message: Type.Optional(Type.String({ description: 'A human-readable account of what happened.' })),
    source: Type.Optional(Described(EventSource, 'The component that reported the event; empty for events written by events.k8s.io clients.')),
    firstTimestamp: Type.Optional(Time('When the event was first recorded.')),
    lastTimestamp: Type.Optional(Time('When the event was most recently recorded.')),
    count: Type.Optional(Type.Integer({ description: 'How many times the event has been recorded.' })),
    type: Type.Optional(Type.String({ description: 'Normal or Warning; other types may appear later.' })),
    eventTime: Type.Optional(Time('When the event was first observed, with microsecond precision; set by events.k8s.io clients.')),
    series: Type.Optional(Described(EventSeries, 'For an event that keeps happening: how often, and when last.')),
    action: Type.Optional(Type.String({ description: 'What was done, or failed to be done, to the object.' })),
    related: Type.Optional(Described(ObjectReference, 'A second object the event concerns, if any.')),
    reportingComponent: Type.Optional(Type.String({ description: 'The controller that emitted the event, e.g. kubernetes.io/kubelet.' })),
    reportingInstance: Type.Optional(Type.String({ description: 'Which instance of the controller emitted the event.' })),
  },
  {
    description:
      'Event is a report of something that happened in the cluster, usually a change of state. Events are kept for a limited time and are informative, not a record to rely on.',
  },
);
protobuf(Event, 'k8s.io.api.core.v1.Event', {
  metadata: 1,
  involvedObject: [2, 'required'],
  reason: 3,
  message: 4,
  source: 5,
  firstTimestamp: 6,
  lastTimestamp: 7,
  count: [8, 'int32'],
  type: 9,
  eventTime: [10, 'micro'],
  series: [11, 'pointer'],
  action: 12,
  related: [13, 'pointer'],
  reportingComponent: [14, 'required'],
  reportingInstance: [15, 'required'],
});
export type Event = Static<typeof Event>;

export const EventList = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata.')),
    items: Type.Array(Event, { description: 'The events.' }),
  },
  { description: 'EventList is a list of events.' },
);
export type EventList = Static<typeof EventList>;

const core = 'io.k8s.api.core.v1.';

/** Merged into definitions.ts; a nested definition becomes a $ref there. */
export const eventDefinitions: Record<string, TSchema> = {
  [`${core}Event`]: Event,
  [`${core}EventList`]: EventList,
  [`${core}EventSeries`]: EventSeries,
  [`${core}EventSource`]: EventSource,
  [`${core}ObjectReference`]: ObjectReference,
};
