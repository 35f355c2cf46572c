// coordination.k8s.io/v1 Leases: the generic store with kube's lease strategy
// (pkg/registry/coordination/lease/strategy.go: no status, any update allowed) and validation
// (pkg/apis/coordination/validation/validation.go). No HTTP and no SQL here.
import { canonicalize } from '../model/canonical.js';
import { Lease, type LeaseSpec } from '../model/lease.js';
import type { ObjectStore } from '../storage/objectStore.js';
import { GenericStore, type NamespaceGate } from './generic/store.js';
import type { Strategy } from './generic/strategy.js';
import { randomIdentities, type Identities } from './metadata.js';
import { type FieldError, forbidden, invalid, notSupported } from './validation/fieldErrors.js';
import { isDNS1123Subdomain, isQualifiedName } from './validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validation/objectMeta.js';

/** CoordinatedLeaseStrategy values kube-apiserver v1.33 knows; a qualified name with a domain is a custom one. */
const strategies = ['OldestEmulationVersion'] as const;

/** ValidateLeaseSpec. */
export function validateLeaseSpec(spec: LeaseSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec) return errs;
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0)
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0)
    errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  if (spec.strategy !== undefined) {
    // ValidateCoordinatedLeaseStrategy: a known strategy, or a custom one as domain/name.
    const s = spec.strategy;
    if (!(strategies as readonly string[]).includes(s)) {
      const parts = s.split('/');
      if (parts.length !== 2) errs.push(notSupported('spec.strategy', s, strategies));
      else for (const msg of isQualifiedName(s)) errs.push(invalid('spec.strategy', s, msg));
    }
  }
  if (spec.preferredHolder && !spec.strategy) errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

const validateMeta = (lease: Lease) => validateObjectMeta(lease.metadata, { namespaced: true, nameIsDNS1035: false, nameFn: (n) => isDNS1123Subdomain(n) });

export const leaseStrategy: Strategy<Lease> = {
  defaults() {},
  validate: (lease) => [[...validateMeta(lease), ...validateLeaseSpec(lease.spec)]],
  allowCreateOnUpdate: true,
  validateUpdate: (lease, old) => [...validateObjectMetaUpdate(lease.metadata!, old.metadata!), ...validateLeaseSpec(lease.spec)],
  serialize: (lease) => JSON.stringify(canonicalize(Lease, lease)),
};

export function leaseStore(store: ObjectStore, namespaces: NamespaceGate, identities: Identities = randomIdentities): GenericStore<Lease> {
  return new GenericStore<Lease>(store, {
    resource: 'leases',
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    namespaced: true,
    strategy: leaseStrategy,
    identities,
    namespaces,
    schema: Lease,
  });
}
