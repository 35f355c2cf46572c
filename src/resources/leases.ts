// coordination.k8s.io/v1 Leases: the API surface. Semantics: registry/leaseStore.ts.
import { Lease, LeaseList, LeaseSpec } from '../model/lease.js';
import { age, ageDoc, col, nameDoc } from '../printers/tables.js';
import { leasePatchMeta } from '../registry/patch/strategicMerge.js';
import { allVerbs, type ResourceDeclaration } from './declaration.js';

export const leases: ResourceDeclaration<Lease> = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  resource: 'leases',
  singular: 'lease',
  namespaced: true,
  verbs: allVerbs,
  schema: Lease,
  definition: 'io.k8s.api.coordination.v1.Lease',
  listDefinition: 'io.k8s.api.coordination.v1.LeaseList',
  definitions: {
    'io.k8s.api.coordination.v1.Lease': Lease,
    'io.k8s.api.coordination.v1.LeaseList': LeaseList,
    'io.k8s.api.coordination.v1.LeaseSpec': LeaseSpec,
  },
  patchMeta: leasePatchMeta,
  deleteAnswer: 'status',
  statusSubresource: false,
  // printLease: NAME, HOLDER, AGE.
  columns: [col('Name', nameDoc, { format: 'name' }), col('Holder', 'The holder of the lease.'), col('Age', ageDoc)],
  cells: (lease) => [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '', age(lease.metadata?.creationTimestamp)],
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (lease) => ({ 'metadata.name': lease.metadata?.name ?? '', 'metadata.namespace': lease.metadata?.namespace ?? '' }),
};
