// core/v1 Events: the API surface. Semantics: registry/eventRegistry.ts.
import { Event } from '../model/event.js';
import { eventCells, eventColumns } from '../printers/tables.js';
import { eventPatchMeta } from '../registry/patch/strategicMerge.js';
import { eventFieldLabels, eventFields } from '../registry/selectors.js';
import { allVerbs, type ResourceDeclaration } from './declaration.js';

export const events: ResourceDeclaration<Event> = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: allVerbs,
  schema: Event,
  definition: 'io.k8s.api.core.v1.Event',
  listDefinition: 'io.k8s.api.core.v1.EventList',
  // The event store does not set ReturnDeletedObject: a removal answers with a Success Status.
  patchMeta: eventPatchMeta,
  deleteAnswer: 'status',
  statusSubresource: false,
  columns: eventColumns,
  cells: (ev) => eventCells(ev),
  fieldLabels: eventFieldLabels,
  fieldsOf: eventFields,
};
