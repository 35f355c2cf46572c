// core/v1 Endpoints: the generic store with kube's endpoints strategy
// (pkg/registry/core/endpoint/strategy.go: created by PUT too, updated without a
// resourceVersion) and SetDefaults_Endpoints. No HTTP and no SQL here.
import { canonicalize } from '../model/canonical.js';
import { Endpoints } from '../model/endpoints.js';
import type { ObjectStore } from '../storage/objectStore.js';
import { GenericStore, type NamespaceGate } from './generic/store.js';
import type { Strategy } from './generic/strategy.js';
import { randomIdentities, type Identities } from './metadata.js';
import { validateEndpoints, validateEndpointsUpdate } from './validation/endpoints.js';

export const endpointsStrategy: Strategy<Endpoints> = {
  // SetDefaults_Endpoints: a port without a protocol is TCP.
  defaults(endpoints) {
    for (const subset of endpoints.subsets ?? []) for (const port of subset.ports ?? []) port.protocol ||= 'TCP';
  },
  clearOnCreate: ['generation'],
  validate: (endpoints) => [validateEndpoints(endpoints)],
  allowCreateOnUpdate: true,
  validateUpdate: validateEndpointsUpdate,
  serialize: (endpoints) => JSON.stringify(canonicalize(Endpoints, endpoints)),
};

export function endpointsStore(store: ObjectStore, namespaces: NamespaceGate, identities: Identities = randomIdentities): GenericStore<Endpoints> {
  return new GenericStore<Endpoints>(store, {
    resource: 'endpoints',
    kind: 'Endpoints',
    apiVersion: 'v1',
    namespaced: true,
    strategy: endpointsStrategy,
    identities,
    schema: Endpoints,
    namespaces,
  });
}
