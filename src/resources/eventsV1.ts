// events.k8s.io/v1 Events: the API surface of the core Event storage in its second group, as
// kube-apiserver serves it (pkg/registry/events/rest: the same REST storage as core/v1 events).
// The conversion is registry/eventConversion.ts; the semantics stay in registry/eventRegistry.ts,
// which validates writes through this group more strictly (ValidateEventCreate by requestVersion).
import type { KubeObject } from '../registry/generic/strategy.js';
import type { Event } from '../model/event.js';
import { EventV1, eventV1Definitions } from '../model/eventV1.js';
import { eventCells, eventColumns } from '../printers/tables.js';
import { eventFromCore, eventToCore } from '../registry/eventConversion.js';
import { eventPatchMeta } from '../registry/patch/strategicMerge.js';
import { eventFields } from '../registry/selectors.js';
import { allVerbs, type ResourceDeclaration } from './declaration.js';

// pkg/apis/events/v1/conversion.go AddFieldLabelConversionsForEvent: each events.k8s.io label and
// the core label it selects on.
const fieldLabelsToCore: Record<string, string> = {
  reason: 'reason',
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reportingController: 'reportingComponent',
  source: 'source',
  type: 'type',
  'metadata.namespace': 'metadata.namespace',
  'metadata.name': 'metadata.name',
};

export const eventsV1: ResourceDeclaration<EventV1> = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  // The same REST storage as core/v1 events, so the same short name.
  shortNames: ['ev'],
  verbs: allVerbs,
  schema: EventV1,
  definition: 'io.k8s.api.events.v1.Event',
  listDefinition: 'io.k8s.api.events.v1.EventList',
  definitions: eventV1Definitions,
  operationGroupVersion: 'EventsV1',
  patchMeta: eventPatchMeta,
  deleteAnswer: 'status',
  statusSubresource: false,
  // printEvent prints the internal event whichever group it was read through.
  columns: eventColumns,
  cells: (ev) => eventCells(eventToCore(ev)),
  fieldLabels: Object.keys(fieldLabelsToCore),
  fieldsOf: (ev) => {
    const core = eventFields(eventToCore(ev));
    return Object.fromEntries(Object.entries(fieldLabelsToCore).map(([label, coreLabel]) => [label, core[coreLabel] ?? '']));
  },
  fromStored: (stored: KubeObject) => eventFromCore(stored as Event),
};
