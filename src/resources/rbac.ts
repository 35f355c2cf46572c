// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding: the API
// surface. Semantics and escalation checks: registry/rbac/; evaluation: auth/rbac.ts.
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding, rbacDefinitions } from '../model/rbac.js';
import { age, ageDoc, col, nameDoc } from '../printers/tables.js';
import { allVerbs, type ResourceDeclaration } from './declaration.js';

const names = (metaOnly: { metadata?: { name?: string; namespace?: string } }) => ({
  'metadata.name': metaOnly.metadata?.name ?? '',
  'metadata.namespace': metaOnly.metadata?.namespace ?? '',
});
const common = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  verbs: allVerbs,
  definitions: rbacDefinitions,
  // kube's RBAC types carry no patch strategies: rules and subjects are replaced whole.
  patchMeta: { fields: {} },
  deleteAnswer: 'status' as const,
  statusSubresource: false,
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  fieldsOf: names,
};

// kube's printers (pkg/printers/internalversion): roles print NAME and CREATED AT; bindings
// their role, age and (wide) subjects.
const roleColumns = [col('Name', nameDoc, { format: 'name' }), col('Created At', 'Time is when the role was created', { format: 'date' })];
const bindingColumns = [
  col('Name', nameDoc, { format: 'name' }),
  col('Role', 'Role is the role being bound to'),
  col('Age', ageDoc),
  col('Users', 'Users in the binding', { priority: 1 }),
  col('Groups', 'Groups in the binding', { priority: 1 }),
  col('ServiceAccounts', 'ServiceAccounts in the binding', { priority: 1 }),
];
const bindingCells = (b: RoleBinding) => {
  const of = (kind: string) =>
    (b.subjects ?? [])
      .filter((s) => s.kind === kind)
      .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
      .join(', ');
  return [
    b.metadata?.name ?? '',
    `${b.roleRef?.kind}/${b.roleRef?.name}`,
    age(b.metadata?.creationTimestamp ?? undefined),
    of('User'),
    of('Group'),
    of('ServiceAccount'),
  ];
};

export const roles: ResourceDeclaration<Role> = {
  ...common,
  kind: 'Role',
  listKind: 'RoleList',
  resource: 'roles',
  singular: 'role',
  namespaced: true,
  schema: Role,
  definition: 'io.k8s.api.rbac.v1.Role',
  listDefinition: 'io.k8s.api.rbac.v1.RoleList',
  columns: roleColumns,
  cells: (r) => [r.metadata?.name ?? '', r.metadata?.creationTimestamp ?? ''],
};

export const clusterRoles: ResourceDeclaration<ClusterRole> = {
  ...common,
  kind: 'ClusterRole',
  listKind: 'ClusterRoleList',
  resource: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  schema: ClusterRole,
  definition: 'io.k8s.api.rbac.v1.ClusterRole',
  listDefinition: 'io.k8s.api.rbac.v1.ClusterRoleList',
  columns: roleColumns,
  cells: (r) => [r.metadata?.name ?? '', r.metadata?.creationTimestamp ?? ''],
};

export const roleBindings: ResourceDeclaration<RoleBinding> = {
  ...common,
  kind: 'RoleBinding',
  listKind: 'RoleBindingList',
  resource: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  schema: RoleBinding,
  definition: 'io.k8s.api.rbac.v1.RoleBinding',
  listDefinition: 'io.k8s.api.rbac.v1.RoleBindingList',
  columns: bindingColumns,
  cells: bindingCells,
};

export const clusterRoleBindings: ResourceDeclaration<ClusterRoleBinding> = {
  ...common,
  kind: 'ClusterRoleBinding',
  listKind: 'ClusterRoleBindingList',
  resource: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  schema: ClusterRoleBinding,
  definition: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  listDefinition: 'io.k8s.api.rbac.v1.ClusterRoleBindingList',
  columns: bindingColumns,
  cells: bindingCells,
};
