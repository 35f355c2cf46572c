// Kubernetes' vendor extensions on the OpenAPI document. kubectl reads them: it sends
// fieldValidation=Strict (server-side validation) only when it finds a PATCH operation tagged
// with the object's x-kubernetes-group-version-kind that lists that parameter, and otherwise
// insists on downloading the v2 document for client-side validation.
type Doc = { paths?: Record<string, Record<string, Record<string, unknown>>>; components?: { schemas?: Record<string, Record<string, unknown>> } };

const actions: [prefix: string, action: string][] = [
  ['deleteCollection', 'deletecollection'],
  ['create', 'post'],
  ['list', 'list'],
  ['read', 'get'],
  ['replace', 'put'],
  ['patch', 'patch'],
  ['delete', 'delete'],
  ['watch', 'watch'],
];

/** Kinds named in operationIds (createNamespacedService, listNamespace, ...) to their GVK. */
const kinds: { kind: string; group: string; version: string }[] = [
  { kind: 'Service', group: '', version: 'v1' },
  { kind: 'Namespace', group: '', version: 'v1' },
  { kind: 'Event', group: '', version: 'v1' },
  { kind: 'Event', group: 'events.k8s.io', version: 'v1' },
  { kind: 'Endpoints', group: '', version: 'v1' },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1' },
  { kind: 'Allocation', group: 'svcplane.dev', version: 'v1alpha1' },
  // Longest first where one kind ends another's name (ClusterRole, Role).
  { kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1' },
  { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', version: 'v1' },
  { kind: 'RoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1' },
  { kind: 'Role', group: 'rbac.authorization.k8s.io', version: 'v1' },
  { kind: 'SelfSubjectAccessReview', group: 'authorization.k8s.io', version: 'v1' },
  { kind: 'SelfSubjectRulesReview', group: 'authorization.k8s.io', version: 'v1' },
  { kind: 'SubjectAccessReview', group: 'authorization.k8s.io', version: 'v1' },
  { kind: 'SelfSubjectReview', group: 'authentication.k8s.io', version: 'v1' },
];

/** The kind an operation is about; its path's group tells apart a kind served in two groups (Event). */
function gvkOf(operationId: string, path: string): { group: string; kind: string; version: string } | undefined {
  const base = operationId.replace(/(Status|ForAllNamespaces)$/g, '').replace(/ForAllNamespaces$/, '');
  const group = /^\/apis\/([^/]+)\//.exec(path)?.[1] ?? '';
  const found = kinds.find((k) => base.endsWith(k.kind) && k.group === group);
  return found && { group: found.group, kind: found.kind, version: found.version };
}

const schemaKinds: Record<string, string> = {
  'io.k8s.api.core.v1.Service': 'Service',
  'io.k8s.api.core.v1.ServiceList': 'ServiceList',
  'io.k8s.api.core.v1.Namespace': 'Namespace',
  'io.k8s.api.core.v1.NamespaceList': 'NamespaceList',
  'io.k8s.api.core.v1.Event': 'Event',
  'io.k8s.api.core.v1.EventList': 'EventList',
  'io.k8s.api.core.v1.Endpoints': 'Endpoints',
  'io.k8s.api.core.v1.EndpointsList': 'EndpointsList',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status': 'Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions': 'DeleteOptions',
};
const discoveryKinds: Record<string, string> = {
  'io.k8s.api.discovery.v1.EndpointSlice': 'EndpointSlice',
  'io.k8s.api.discovery.v1.EndpointSliceList': 'EndpointSliceList',
};
const eventsKinds: Record<string, string> = {
  'io.k8s.api.events.v1.Event': 'Event',
  'io.k8s.api.events.v1.EventList': 'EventList',
};
const svcplaneKinds: Record<string, string> = {
  'dev.svcplane.v1alpha1.Allocation': 'Allocation',
  'dev.svcplane.v1alpha1.AllocationList': 'AllocationList',
};

/** Served with authentication on (server.ts authEnabled): group, version, and the kinds by definition. */
const authKinds: [group: string, kinds: Record<string, string>][] = [
  [
    'rbac.authorization.k8s.io',
    Object.fromEntries(
      ['Role', 'RoleList', 'ClusterRole', 'ClusterRoleList', 'RoleBinding', 'RoleBindingList', 'ClusterRoleBinding', 'ClusterRoleBindingList'].map((k) => [
        `io.k8s.api.rbac.v1.${k}`,
        k,
      ]),
    ),
  ],
  [
    'authorization.k8s.io',
    Object.fromEntries(['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'].map((k) => [`io.k8s.api.authorization.v1.${k}`, k])),
  ],
  ['authentication.k8s.io', { 'io.k8s.api.authentication.v1.SelfSubjectReview': 'SelfSubjectReview' }],
];

const statusRef = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status';

export function addKubernetesExtensions<T>(doc: T): T {
  const d = doc as Doc;
  const statusDescription = d.components?.schemas?.['io.k8s.apimachinery.pkg.apis.meta.v1.Status']?.description;
  for (const [path, ops] of Object.entries(d.paths ?? {})) {
    for (const op of Object.values(ops)) {
      const id = op.operationId as string | undefined;
      if (!id) continue;
      const action = actions.find(([p]) => id.startsWith(p))?.[1];
      if (action) op['x-kubernetes-action'] = action;
      // A watch that cannot start (a bad selector or resourceVersion) is refused with a Status
      // before the stream begins. The legacy /watch/ routes declare only the stream; say so here,
      // so that generated clients type that error as a Status rather than as unknown.
      const responses = op.responses as Record<string, unknown> | undefined;
      if (action === 'watch' && responses && !Object.keys(responses).some((code) => code.startsWith('4'))) {
        responses['400'] = { description: statusDescription ?? 'Status', content: { 'application/json': { schema: { $ref: statusRef } } } };
      }
      const gvk = gvkOf(id, path);
      if (gvk) op['x-kubernetes-group-version-kind'] = gvk;
    }
  }
  for (const [name, kind] of Object.entries(schemaKinds)) {
    const schema = d.components?.schemas?.[name];
    if (schema) schema['x-kubernetes-group-version-kind'] = [{ group: '', kind, version: 'v1' }];
  }
  for (const [name, kind] of Object.entries(discoveryKinds)) {
    const schema = d.components?.schemas?.[name];
    if (schema) schema['x-kubernetes-group-version-kind'] = [{ group: 'discovery.k8s.io', kind, version: 'v1' }];
  }
  for (const [name, kind] of Object.entries(eventsKinds)) {
    const schema = d.components?.schemas?.[name];
    if (schema) schema['x-kubernetes-group-version-kind'] = [{ group: 'events.k8s.io', kind, version: 'v1' }];
  }
  for (const [name, kind] of Object.entries(svcplaneKinds)) {
    const schema = d.components?.schemas?.[name];
    if (schema) schema['x-kubernetes-group-version-kind'] = [{ group: 'svcplane.dev', kind, version: 'v1alpha1' }];
  }
  for (const [group, byName] of authKinds) {
    for (const [name, kind] of Object.entries(byName)) {
      const schema = d.components?.schemas?.[name];
      if (schema) schema['x-kubernetes-group-version-kind'] = [{ group, kind, version: 'v1' }];
    }
  }
  return doc;
}
