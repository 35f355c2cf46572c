// io.k8s.api.rbac.v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding and their parts, in the
// field order of k8s.io/api/rbac/v1/types.go.
import { Type, type Static, type TSchema } from 'typebox';
import { Described, apiVersionField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';

const strings = (description: string) => Type.Optional(Type.Array(Type.String(), { description, 'x-kubernetes-list-type': 'atomic' }));

export const LabelSelectorRequirement = Type.Object(
  {
    key: Type.String({ description: 'The label key the selector applies to.' }),
    operator: Type.String({ description: "The key's relationship to a set of values: In, NotIn, Exists and DoesNotExist." }),
    values: strings('The values: non-empty for In and NotIn, empty for Exists and DoesNotExist.'),
  },
  { description: 'A label selector requirement: a key, an operator and values.' },
);
protobuf(LabelSelectorRequirement, 'k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement', {
  key: [1, 'required'],
  operator: [2, 'required'],
  values: 3,
});
export const LabelSelector = Type.Object(
  {
    matchExpressions: Type.Optional(
      Type.Array(LabelSelectorRequirement, { description: 'Label selector requirements, ANDed.', 'x-kubernetes-list-type': 'atomic' }),
    ),
    matchLabels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Labels an object must carry, each ANDed.' })),
  },
  { description: 'A label query over a set of resources; an empty selector matches everything.', 'x-kubernetes-map-type': 'atomic' },
);
protobuf(LabelSelector, 'k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector', { matchLabels: 1, matchExpressions: 2 });
export type LabelSelector = Static<typeof LabelSelector>;

export const PolicyRule = Type.Object(
  {
    verbs: Type.Array(Type.String(), { description: "Verbs that apply to all the rule's resources; '*' means all.", 'x-kubernetes-list-type': 'atomic' }),
    apiGroups: strings("The API groups of the resources; '' is the core group, '*' means all."),
    resources: strings("Resources this rule applies to; '*' means all, 'resource/subresource' names a subresource."),
    resourceNames: strings('An optional allow list of object names; empty means everything.'),
    nonResourceURLs: strings("Partial URLs a user may reach, a trailing '*' a prefix; only in ClusterRoles bound by ClusterRoleBindings."),
  },
  {
    description:
      'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.',
  },
);
protobuf(PolicyRule, 'k8s.io.api.rbac.v1.PolicyRule', { verbs: 1, apiGroups: 2, resources: 3, resourceNames: 4, nonResourceURLs: 5 });
export type PolicyRule = Static<typeof PolicyRule>;

export const AggregationRule = Type.Object(
  {
    clusterRoleSelectors: Type.Optional(
      Type.Array(LabelSelector, {
        description: "ClusterRoles whose rules are aggregated into this one's, each selector ORed.",
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  { description: 'AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole' },
);
protobuf(AggregationRule, 'k8s.io.api.rbac.v1.AggregationRule', { clusterRoleSelectors: 1 });

export const Subject = Type.Object(
  {
    kind: Type.String({ description: 'The kind of subject: User, Group or ServiceAccount.' }),
    apiGroup: Type.Optional(Type.String({ description: "'' for ServiceAccount, rbac.authorization.k8s.io for User and Group." })),
    name: Type.String({ description: 'Name of the object being referenced.' }),
    namespace: Type.Optional(Type.String({ description: "The ServiceAccount's namespace; empty for User and Group." })),
  },
  { description: 'Subject contains a reference to the object or user identities a role binding applies to.', 'x-kubernetes-map-type': 'atomic' },
);
protobuf(Subject, 'k8s.io.api.rbac.v1.Subject', { kind: [1, 'required'], apiGroup: 2, name: [3, 'required'], namespace: 4 });
export type Subject = Static<typeof Subject>;

export const RoleRef = Type.Object(
  {
    // Required in kube's schema, but SetDefaults_RoleBinding fills it in when missing: decoding takes it optional.
    apiGroup: Type.Optional(Type.String({ description: 'APIGroup is the group for the resource being referenced' })),
    kind: Type.String({ description: 'Kind is the type of resource being referenced' }),
    name: Type.String({ description: 'Name is the name of resource being referenced' }),
  },
  { description: 'RoleRef contains information that points to the role being used', 'x-kubernetes-map-type': 'atomic' },
);
protobuf(RoleRef, 'k8s.io.api.rbac.v1.RoleRef', { apiGroup: [1, 'required'], kind: [2, 'required'], name: [3, 'required'] });
export type RoleRef = Static<typeof RoleRef>;

const kind = (k: string) => Type.Optional(Type.String({ description: `${k}: the kind of this object, in CamelCase.` }));
const meta = Type.Optional(Described(ObjectMeta, "Standard object's metadata."));
const rules = (what: string) =>
  Type.Optional(Type.Array(PolicyRule, { description: `Rules holds all the PolicyRules for this ${what}`, 'x-kubernetes-list-type': 'atomic' }));
const subjects = Type.Optional(
  Type.Array(Subject, { description: 'Subjects holds references to the objects the role applies to.', 'x-kubernetes-list-type': 'atomic' }),
);

export const Role = Type.Object(
  { kind: kind('Role'), apiVersion: apiVersionField(), metadata: meta, rules: rules('Role') },
  { description: 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.' },
);
protobuf(Role, 'k8s.io.api.rbac.v1.Role', { metadata: 1, rules: 2 });
export type Role = Static<typeof Role>;
export const ClusterRole = Type.Object(
  {
    kind: kind('ClusterRole'),
    apiVersion: apiVersionField(),
    metadata: meta,
    rules: rules('ClusterRole'),
    aggregationRule: Type.Optional(
      Described(AggregationRule, 'How to build the Rules of this ClusterRole: the controller fills them from the selected roles.'),
    ),
  },
  { description: 'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.' },
);
protobuf(ClusterRole, 'k8s.io.api.rbac.v1.ClusterRole', { metadata: 1, rules: 2, aggregationRule: [3, 'pointer'] });
export type ClusterRole = Static<typeof ClusterRole>;
export const RoleBinding = Type.Object(
  {
    kind: kind('RoleBinding'),
    apiVersion: apiVersionField(),
    metadata: meta,
    subjects,
    roleRef: Described(RoleRef, 'A Role in the current namespace or a ClusterRole.'),
  },
  { description: 'RoleBinding references a role, but does not contain it.' },
);
protobuf(RoleBinding, 'k8s.io.api.rbac.v1.RoleBinding', { metadata: 1, subjects: 2, roleRef: [3, 'required'] });
export type RoleBinding = Static<typeof RoleBinding>;
export const ClusterRoleBinding = Type.Object(
  {
    kind: kind('ClusterRoleBinding'),
    apiVersion: apiVersionField(),
    metadata: meta,
    subjects,
    roleRef: Described(RoleRef, 'A ClusterRole in the global namespace.'),
  },
  { description: 'ClusterRoleBinding references a ClusterRole, but not contain it.' },
);
protobuf(ClusterRoleBinding, 'k8s.io.api.rbac.v1.ClusterRoleBinding', { metadata: 1, subjects: 2, roleRef: [3, 'required'] });
export type ClusterRoleBinding = Static<typeof ClusterRoleBinding>;

const list = (item: TSchema, k: string) =>
  Type.Object(
    {
      kind: kind(`${k}List`),
      apiVersion: apiVersionField(),
      metadata: Type.Optional(Described(ListMeta, "Standard object's metadata.")),
      items: Type.Array(item, { description: `Items is a list of ${k}s` }),
    },
    { description: `${k}List is a collection of ${k}s` },
  );
export const RoleList = list(Role, 'Role');
export const ClusterRoleList = list(ClusterRole, 'ClusterRole');
export const RoleBindingList = list(RoleBinding, 'RoleBinding');
export const ClusterRoleBindingList = list(ClusterRoleBinding, 'ClusterRoleBinding');

const rbac = 'io.k8s.api.rbac.v1.';
export const rbacDefinitions: Record<string, TSchema> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': LabelSelector,
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement': LabelSelectorRequirement,
  [`${rbac}PolicyRule`]: PolicyRule,
  [`${rbac}AggregationRule`]: AggregationRule,
  [`${rbac}Subject`]: Subject,
  [`${rbac}RoleRef`]: RoleRef,
  [`${rbac}Role`]: Role,
  [`${rbac}RoleList`]: RoleList,
  [`${rbac}ClusterRole`]: ClusterRole,
  [`${rbac}ClusterRoleList`]: ClusterRoleList,
  [`${rbac}RoleBinding`]: RoleBinding,
  [`${rbac}RoleBindingList`]: RoleBindingList,
  [`${rbac}ClusterRoleBinding`]: ClusterRoleBinding,
  [`${rbac}ClusterRoleBindingList`]: ClusterRoleBindingList,
};
