// kube's bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) for
// what svcplane serves: the roles and bindings every cluster starts with. Each is created at
// start when missing and otherwise left as it is (kube reconciles its autoupdate ones; svcplane
// never overwrites what an administrator changed).
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from '../model/rbac.js';
import { StatusError } from '../registry/errors.js';
import type { RbacStores } from '../registry/rbac/stores.js';
import { allAuthenticated, allUnauthenticated, systemPrivilegedGroup } from './user.js';

const read = ['get', 'list', 'watch'];
const readWrite = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const autoupdate = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
const aggregate = (to: string) => `rbac.authorization.k8s.io/aggregate-to-${to}`;

function clusterRole(name: string, rules: PolicyRule[], extra: Partial<ClusterRole> = {}, labels: Record<string, string> = {}): ClusterRole {
  return { metadata: { name, labels: { ...bootstrapLabels, ...labels }, annotations: autoupdate }, rules, ...extra };
}

export const bootstrapClusterRoles: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('system:discovery', [
    urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/']),
  ]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
  ]),
  clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
  // The user-facing roles, filled by aggregation from the system:aggregate-to-* ones below.
  clusterRole('admin', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregate('admin')]: 'true' } }] } }),
  clusterRole('edit', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregate('edit')]: 'true' } }] } }, { [aggregate('admin')]: 'true' }),
  clusterRole('view', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregate('view')]: 'true' } }] } }, { [aggregate('edit')]: 'true' }),
  clusterRole(
    'system:aggregate-to-admin',
    [rule(readWrite, ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']), rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews'])],
    {},
    { [aggregate('admin')]: 'true' },
  ),
  clusterRole(
    'system:aggregate-to-edit',
    [
      rule(readWrite, [''], ['services', 'services/proxy', 'endpoints', 'configmaps', 'secrets', 'persistentvolumeclaims', 'pods', 'replicationcontrollers']),
      rule(readWrite, ['discovery.k8s.io'], ['endpointslices']),
    ],
    {},
    { [aggregate('edit')]: 'true' },
  ),
  clusterRole(
    'system:aggregate-to-view',
    [
      rule(
        read,
        [''],
        [
          'pods',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/status',
          'endpoints',
          'persistentvolumeclaims',
          'persistentvolumeclaims/status',
          'configmaps',
        ],
      ),
      rule(
        read,
        [''],
        [
          'bindings',
          'events',
          'limitranges',
          'namespaces/status',
          'pods/log',
          'pods/status',
          'replicationcontrollers/status',
          'resourcequotas',
          'resourcequotas/status',
        ],
      ),
      rule(read, [''], ['namespaces']),
      rule(read, ['discovery.k8s.io'], ['endpointslices']),
    ],
    {},
    { [aggregate('view')]: 'true' },
  ),
];

function binding(name: string, groups: string[]): ClusterRoleBinding {
  return {
    metadata: { name, labels: bootstrapLabels, annotations: autoupdate },
    subjects: groups.map((g) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: g })),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
  };
}

export const bootstrapClusterRoleBindings: ClusterRoleBinding[] = [
  binding('cluster-admin', [systemPrivilegedGroup]),
  binding('system:discovery', [allAuthenticated]),
  binding('system:basic-user', [allAuthenticated]),
  binding('system:public-info-viewer', [allAuthenticated, allUnauthenticated]),
];

/** Creates each bootstrap object that is missing; returns how many were created. */
export async function ensureBootstrapPolicy(stores: RbacStores): Promise<number> {
  let created = 0;
  const ensure = async <T extends { metadata?: { name?: string } }>(
    store: { get(ns: string, name: string): Promise<T>; create(ns: string, obj: T): Promise<T> },
    obj: T,
  ) => {
    try {
      await store.get('', obj.metadata!.name!);
    } catch (err) {
      if (!(err instanceof StatusError) || err.statusCode !== 404) throw err;
      await store.create('', structuredClone(obj));
      created++;
    }
  };
  for (const r of bootstrapClusterRoles) await ensure(stores.clusterRoles, r);
  for (const b of bootstrapClusterRoleBindings) await ensure(stores.clusterRoleBindings, b);
  return created;
}
