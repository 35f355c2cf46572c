// discovery.k8s.io/v1 EndpointSlices: the API surface. Semantics: registry/endpointSliceStore.ts.
import { EndpointSlice } from '../model/endpointSlice.js';
import { endpointSliceCells, endpointSliceColumns } from '../printers/endpoints.js';
import { endpointsPatchMeta } from '../registry/patch/strategicMerge.js';
import { allVerbs, type ResourceDeclaration } from './declaration.js';

export const endpointSlices: ResourceDeclaration<EndpointSlice> = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  resource: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  verbs: allVerbs,
  schema: EndpointSlice,
  definition: 'io.k8s.api.discovery.v1.EndpointSlice',
  listDefinition: 'io.k8s.api.discovery.v1.EndpointSliceList',
  patchMeta: endpointsPatchMeta,
  deleteAnswer: 'status',
  statusSubresource: false,
  columns: endpointSliceColumns,
  cells: (slice) => endpointSliceCells(slice),
  // The generic store's default: name and namespace only.
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (slice) => ({ 'metadata.name': slice.metadata?.name ?? '', 'metadata.namespace': slice.metadata?.namespace ?? '' }),
};
