// core/v1 Namespaces: the API surface. Semantics and the lifecycle: registry/namespaceRegistry.ts.
import { Namespace } from '../model/namespace.js';
import { namespaceCells, namespaceColumns } from '../printers/tables.js';
import { namespacePatchMeta } from '../registry/patch/strategicMerge.js';
import { namespaceFieldLabels, namespaceFields } from '../registry/selectors.js';
import type { ResourceDeclaration } from './declaration.js';

export const namespaces: ResourceDeclaration<Namespace> = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  resource: 'namespaces',
  singular: 'namespace',
  // kube-apiserver serves no deletecollection for namespaces.
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  schema: Namespace,
  definition: 'io.k8s.api.core.v1.Namespace',
  listDefinition: 'io.k8s.api.core.v1.NamespaceList',
  patchMeta: namespacePatchMeta,
  deleteAnswer: 'object',
  statusSubresource: false,
  columns: namespaceColumns,
  cells: (ns) => namespaceCells(ns),
  fieldLabels: namespaceFieldLabels,
  fieldsOf: namespaceFields,
};
