// core/v1 Endpoints: the API surface. Semantics: registry/endpointsStore.ts.
import { Endpoints } from '../model/endpoints.js';
import { endpointsCells, endpointsColumns } from '../printers/endpoints.js';
import { endpointsPatchMeta } from '../registry/patch/strategicMerge.js';
import { allVerbs, type ResourceDeclaration } from './declaration.js';

export const endpoints: ResourceDeclaration<Endpoints> = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  resource: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  verbs: allVerbs,
  schema: Endpoints,
  definition: 'io.k8s.api.core.v1.Endpoints',
  listDefinition: 'io.k8s.api.core.v1.EndpointsList',
  patchMeta: endpointsPatchMeta,
  deleteAnswer: 'status',
  statusSubresource: false,
  columns: endpointsColumns,
  cells: (ep) => endpointsCells(ep),
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (ep) => ({ 'metadata.name': ep.metadata?.name ?? '', 'metadata.namespace': ep.metadata?.namespace ?? '' }),
  // kube-apiserver v1.33 warns on every request to v1 Endpoints, whatever the verb.
  warning: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
};
