// The four RBAC kinds: the generic store with kube's RBAC strategies (pkg/registry/rbac/*/
// strategy.go: defaults, validation, roleRef immutable) and its escalation checks wrapped around
// every write (pkg/registry/rbac/*/policybased), as kube wraps the storage of each.
import { canonicalize } from '../../model/canonical.js';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../model/rbac.js';
import type { ObjectStore } from '../../storage/objectStore.js';
import { GenericStore, type Mutation, type NamespaceGate, type Subresource, type WriteOptions } from '../generic/store.js';
import type { KubeObject, Strategy } from '../generic/strategy.js';
import type { Identities } from '../metadata.js';
import type { EscalationCheck } from './escalation.js';
import { validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateMetaUpdate, validateRole, validateRoleBinding } from './validation.js';

const rbacGroup = 'rbac.authorization.k8s.io';

/** SetDefaults_Subject and the roleRef's group, as the v1 defaulters set them. */
function defaultBinding(b: RoleBinding): void {
  for (const s of b.subjects ?? []) if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = rbacGroup;
  if (b.roleRef && !b.roleRef.apiGroup) b.roleRef.apiGroup = rbacGroup;
}

const strategies = {
  roles: {
    validate: (r) => [validateRole(r)],
    allowCreateOnUpdate: true,
    validateUpdate: (r, old) => [...validateMetaUpdate(r, old), ...validateRole(r).filter((e) => !e.field.startsWith('metadata.'))],
    serialize: (r) => JSON.stringify(canonicalize(Role, r)),
  } satisfies Strategy<Role>,
  clusterroles: {
    validate: (r) => [validateClusterRole(r)],
    allowCreateOnUpdate: true,
    validateUpdate: (r, old) => [...validateMetaUpdate(r, old), ...validateClusterRole(r).filter((e) => !e.field.startsWith('metadata.'))],
    serialize: (r) => JSON.stringify(canonicalize(ClusterRole, r)),
  } satisfies Strategy<ClusterRole>,
  rolebindings: {
    defaults: defaultBinding,
    validate: (b) => [validateRoleBinding(b)],
    allowCreateOnUpdate: true,
    validateUpdate: (b, old) => [...validateBindingUpdate(b, old), ...validateRoleBinding(b).filter((e) => !e.field.startsWith('metadata.'))],
    serialize: (b) => JSON.stringify(canonicalize(RoleBinding, b)),
  } satisfies Strategy<RoleBinding>,
  clusterrolebindings: {
    defaults: defaultBinding,
    validate: (b) => [validateClusterRoleBinding(b)],
    allowCreateOnUpdate: true,
    validateUpdate: (b, old) => [...validateBindingUpdate(b, old), ...validateClusterRoleBinding(b).filter((e) => !e.field.startsWith('metadata.'))],
    serialize: (b) => JSON.stringify(canonicalize(ClusterRoleBinding, b)),
  } satisfies Strategy<ClusterRoleBinding>,
};

type RbacResource = keyof typeof strategies;
const schemas = { roles: Role, clusterroles: ClusterRole, rolebindings: RoleBinding, clusterrolebindings: ClusterRoleBinding };
const kinds: Record<RbacResource, string> = {
  roles: 'Role',
  clusterroles: 'ClusterRole',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
};

/** A store whose writes pass the escalation check for the user who makes them. */
class RbacStore<T extends KubeObject> extends GenericStore<T> {
  constructor(
    store: ObjectStore,
    private readonly rbacResource: RbacResource,
    private readonly escalation: EscalationCheck | undefined,
    identities: Identities,
    namespaces: NamespaceGate,
  ) {
    const namespaced = rbacResource === 'roles' || rbacResource === 'rolebindings';
    super(store, {
      resource: rbacResource,
      kind: kinds[rbacResource],
      apiVersion: `${rbacGroup}/v1`,
      namespaced,
      strategy: strategies[rbacResource] as unknown as Strategy<T>,
      schema: schemas[rbacResource],
      identities,
      ...(namespaced ? { namespaces } : {}),
    });
  }

  private check(namespace: string, obj: T, options: WriteOptions): void {
    if (!this.escalation || !options.user) return;
    const ns = this.namespaced ? namespace : '';
    const name = obj.metadata?.name ?? '';
    const r = this.rbacResource;
    if (r === 'roles' || r === 'clusterroles') this.escalation.checkRole(options.user, r, ns, name, (obj as Role).rules ?? []);
    else {
      defaultBinding(obj as RoleBinding);
      this.escalation.checkBinding(options.user, r, ns, name, (obj as RoleBinding).roleRef);
    }
  }

  override async create(namespace: string, input: T, options: WriteOptions = {}): Promise<T> {
    this.check(namespace, input, options);
    return super.create(namespace, input, options);
  }

  override async update(namespace: string, name: string, input: T, options: WriteOptions & { subresource?: Subresource } = {}) {
    this.check(namespace, input, options);
    return super.update(namespace, name, input, options);
  }

  override patch(namespace: string, name: string, mutate: Mutation<T>, options: WriteOptions & { subresource?: Subresource } = {}): Promise<T> {
    return super.patch(
      namespace,
      name,
      async (current) => {
        const obj = await mutate(current);
        this.check(namespace, obj, options);
        return obj;
      },
      options,
    );
  }
}

export interface RbacStores {
  roles: GenericStore<Role>;
  clusterRoles: GenericStore<ClusterRole>;
  roleBindings: GenericStore<RoleBinding>;
  clusterRoleBindings: GenericStore<ClusterRoleBinding>;
}

export function rbacStores(store: ObjectStore, namespaces: NamespaceGate, identities: Identities, escalation: EscalationCheck | undefined): RbacStores {
  return {
    roles: new RbacStore<Role>(store, 'roles', escalation, identities, namespaces),
    clusterRoles: new RbacStore<ClusterRole>(store, 'clusterroles', escalation, identities, namespaces),
    roleBindings: new RbacStore<RoleBinding>(store, 'rolebindings', escalation, identities, namespaces),
    clusterRoleBindings: new RbacStore<ClusterRoleBinding>(store, 'clusterrolebindings', escalation, identities, namespaces),
  };
}
