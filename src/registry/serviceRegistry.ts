// The Service registry: the generic store with the Service's strategy and its allocation hooks,
// as pkg/registry/core/service/storage/storage.go is kube's generic Store plus begin hooks.
import { canonicalize } from '../model/canonical.js';
import { Service } from '../model/service.js';
import type { ObjectStore } from '../storage/objectStore.js';
import { setServiceDefaults } from './defaults.js';
import type { StatusError } from './errors.js';
import { GenericStore, type NamespaceGate } from './generic/store.js';
import type { StatusStrategy, Strategy } from './generic/strategy.js';
import { randomIdentities, type Identities } from './metadata.js';
import type { ServiceAllocation } from './serviceAllocation.js';
import { dropTypeDependentFields, normalizeClusterIPs, patchAllocatedValues } from './serviceStrategy.js';
import { validateService, validateServiceStatusUpdate, validateServiceUpdate } from './validation/service.js';

const resource = 'services';

const owner = (svc: Service) => ({ resource, namespace: svc.metadata!.namespace!, name: svc.metadata?.name ?? '', uid: svc.metadata!.uid! });

/** pkg/registry/core/service/strategy.go with storage.go's allocation hooks. */
export function serviceStrategy(allocation: ServiceAllocation): Strategy<Service> {
  return {
    defaults: setServiceDefaults,
    clearOnCreate: ['generation'],
    prepareForCreate(svc) {
      svc.status = { loadBalancer: {} };
      normalizeClusterIPs(svc, undefined);
    },
    beginCreate: (tx, svc) => allocation.allocateCreate(tx, svc, owner(svc)),
    validate: (svc) => [validateService(svc, allocation.context)],
    allowCreateOnUpdate: true,
    async prepareForUpdate(tx, svc, old) {
      svc.status = old.status;
      patchAllocatedValues(svc, old);
      normalizeClusterIPs(svc, old);
      await allocation.allocateUpdate(tx, svc, old, owner(svc));
      dropTypeDependentFields(svc, old);
    },
    validateUpdate: (svc, old) => validateServiceUpdate(svc, old, allocation.context),
    serialize: (svc) => JSON.stringify(canonicalize(Service, svc)),
    removing: (tx, held) => allocation.releaseAll(tx, held, owner(held)),
  };
}

/** The status subresource changes status only (statusStrategy). */
export const serviceStatusStrategy: StatusStrategy<Service> = {
  prepareForUpdate(svc, old) {
    svc.spec = old.spec;
  },
  validateUpdate: validateServiceStatusUpdate,
};

export class ServiceRegistry extends GenericStore<Service> {
  constructor(store: ObjectStore, allocation: ServiceAllocation, namespaces: NamespaceGate, identities: Identities = randomIdentities) {
    super(store, {
      resource,
      kind: 'Service',
      apiVersion: 'v1',
      namespaced: true,
      strategy: serviceStrategy(allocation),
      status: serviceStatusStrategy,
      identities,
      namespaces,
      schema: Service,
    });
  }

  /** Every cluster has the `kubernetes` Service in default, on the first address of the range. */
  async bootstrapKubernetesService(ip: string, port: number): Promise<void> {
    if (await this.row('default', 'kubernetes')) return;
    try {
      await this.create('default', {
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: port }], sessionAffinity: 'None' },
      });
    } catch (err) {
      // Another replica on the same database made it first (AlreadyExists, or its IP taken).
      if (!(await this.row('default', 'kubernetes'))) throw err;
    }
  }
}

export type { StatusError };
