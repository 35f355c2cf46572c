// core/v1 Services: the API surface. Semantics: registry/serviceRegistry.ts.
import { Service } from '../model/service.js';
import { serviceCells, serviceColumns } from '../printers/tables.js';
import { servicePatchMeta } from '../registry/patch/strategicMerge.js';
import { serviceFieldLabels, serviceFields } from '../registry/selectors.js';
import { allVerbs, type ResourceDeclaration } from './declaration.js';

export const services: ResourceDeclaration<Service> = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  resource: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: allVerbs,
  schema: Service,
  definition: 'io.k8s.api.core.v1.Service',
  listDefinition: 'io.k8s.api.core.v1.ServiceList',
  patchMeta: servicePatchMeta,
  deleteAnswer: 'object',
  statusSubresource: true,
  columns: serviceColumns,
  cells: (svc) => serviceCells(svc),
  fieldLabels: serviceFieldLabels,
  fieldsOf: serviceFields,
};
