// authorization.k8s.io/v1 access reviews and authentication.k8s.io/v1 SelfSubjectReview: the
// objects `kubectl auth can-i` and `kubectl auth whoami` create. They are never stored.
import { Type, type Static, type TSchema } from 'typebox';
import { Described, apiVersionField, kindField } from './fieldTypes.js';
import { ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';

const str = (description: string) => Type.Optional(Type.String({ description }));

export const ResourceAttributes = Type.Object(
  {
    namespace: str('The namespace of the action; "" means all namespaces (for a cluster-scoped resource, the only one).'),
    verb: str('A kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy. "*" means all.'),
    group: str('The API Group of the Resource. "*" means all.'),
    version: str('The API Version of the Resource. "*" means all.'),
    resource: str('One of the existing resource types. "*" means all.'),
    subresource: str('One of the existing resource types. "" means none.'),
    name: str('The name of the resource being requested for a "get" or deleted for a "delete". "" (empty) means all.'),
  },
  { description: 'ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface' },
);
export type ResourceAttributes = Static<typeof ResourceAttributes>;
protobuf(ResourceAttributes, 'k8s.io.api.authorization.v1.ResourceAttributes', {
  namespace: 1,
  verb: 2,
  group: 3,
  version: 4,
  resource: 5,
  subresource: 6,
  name: 7,
});
export const NonResourceAttributes = Type.Object(
  { path: str('Path is the URL path of the request'), verb: str('Verb is the standard HTTP verb') },
  { description: 'NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface' },
);
export type NonResourceAttributes = Static<typeof NonResourceAttributes>;
protobuf(NonResourceAttributes, 'k8s.io.api.authorization.v1.NonResourceAttributes', { path: 1, verb: 2 });

export const SubjectAccessReviewStatus = Type.Object(
  {
    allowed: Type.Boolean({ description: 'Allowed is required. True if the action would be allowed, false otherwise.' }),
    denied: Type.Optional(Type.Boolean({ description: 'True if the action would be denied, otherwise false.' })),
    reason: str('Why a request was allowed or denied.'),
    evaluationError: str('An indication that some error occurred during the authorization check.'),
  },
  { description: 'SubjectAccessReviewStatus' },
);
export type SubjectAccessReviewStatus = Static<typeof SubjectAccessReviewStatus>;
protobuf(SubjectAccessReviewStatus, 'k8s.io.api.authorization.v1.SubjectAccessReviewStatus', {
  allowed: [1, 'required'],
  denied: 4,
  reason: 2,
  evaluationError: 3,
});

const attributes = {
  resourceAttributes: Type.Optional(Described(ResourceAttributes, 'Information for a resource access request')),
  nonResourceAttributes: Type.Optional(Described(NonResourceAttributes, 'Information for a non-resource access request')),
};
export const SelfSubjectAccessReviewSpec = Type.Object(attributes, {
  description:
    'SelfSubjectAccessReviewSpec is a description of the access request. Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set',
});
protobuf(SelfSubjectAccessReviewSpec, 'k8s.io.api.authorization.v1.SelfSubjectAccessReviewSpec', {
  resourceAttributes: [1, 'pointer'],
  nonResourceAttributes: [2, 'pointer'],
});
export const SubjectAccessReviewSpec = Type.Object(
  {
    ...attributes,
    user: str('User is the user you are testing for.'),
    groups: Type.Optional(Type.Array(Type.String(), { description: "Groups is the groups you're testing for.", 'x-kubernetes-list-type': 'atomic' })),
    extra: Type.Optional(
      Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Extra corresponds to the user.Info.GetExtra() method from the authenticator.' }),
    ),
    uid: str('UID information about the requesting user.'),
  },
  {
    description:
      'SubjectAccessReviewSpec is a description of the access request. Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set',
  },
);
protobuf(SubjectAccessReviewSpec, 'k8s.io.api.authorization.v1.SubjectAccessReviewSpec', {
  resourceAttributes: [1, 'pointer'],
  nonResourceAttributes: [2, 'pointer'],
  user: 3,
  groups: 4,
  extra: 5,
  uid: 6,
});

const review = <S extends TSchema, St extends TSchema>(kind: string, spec: S, status: St, description: string) =>
  protobuf(
    Type.Object(
      {
        kind: kindField(),
        apiVersion: apiVersionField(),
        metadata: Type.Optional(Described(ObjectMeta, 'Standard list metadata.')),
        spec: Described(spec, `Spec holds information about the request being evaluated (${kind})`),
        status: Type.Optional(Described(status, 'Status is filled in by the server and indicates whether the request is allowed or not')),
      },
      { description },
    ),
    `k8s.io.api.authorization.v1.${kind}`,
    { metadata: 1, spec: [2, 'required'], status: 3 },
  );

export const SelfSubjectAccessReview = review(
  'SelfSubjectAccessReview',
  SelfSubjectAccessReviewSpec,
  SubjectAccessReviewStatus,
  'SelfSubjectAccessReview checks whether or the current user can perform an action.',
);
export type SelfSubjectAccessReview = Static<typeof SelfSubjectAccessReview>;
export const SubjectAccessReview = review(
  'SubjectAccessReview',
  SubjectAccessReviewSpec,
  SubjectAccessReviewStatus,
  'SubjectAccessReview checks whether or not a user or group can perform an action.',
);
export type SubjectAccessReview = Static<typeof SubjectAccessReview>;

export const ResourceRule = Type.Object(
  {
    verbs: Type.Array(Type.String(), { description: 'Verb is a list of kubernetes resource API verbs.', 'x-kubernetes-list-type': 'atomic' }),
    apiGroups: Type.Optional(Type.Array(Type.String(), { description: 'APIGroups of the resources.', 'x-kubernetes-list-type': 'atomic' })),
    resources: Type.Optional(Type.Array(Type.String(), { description: 'Resources the rule applies to.', 'x-kubernetes-list-type': 'atomic' })),
    resourceNames: Type.Optional(Type.Array(Type.String(), { description: 'An optional allow list of names.', 'x-kubernetes-list-type': 'atomic' })),
  },
  { description: 'ResourceRule is the list of actions the subject is allowed to perform on resources.' },
);
protobuf(ResourceRule, 'k8s.io.api.authorization.v1.ResourceRule', { verbs: 1, apiGroups: 2, resources: 3, resourceNames: 4 });
export const NonResourceRule = Type.Object(
  {
    verbs: Type.Array(Type.String(), { description: 'Verb is a list of kubernetes non-resource API verbs.', 'x-kubernetes-list-type': 'atomic' }),
    nonResourceURLs: Type.Optional(
      Type.Array(Type.String(), { description: 'A set of partial urls a user should have access to.', 'x-kubernetes-list-type': 'atomic' }),
    ),
  },
  { description: 'NonResourceRule holds information that describes a rule for the non-resource' },
);
protobuf(NonResourceRule, 'k8s.io.api.authorization.v1.NonResourceRule', { verbs: 1, nonResourceURLs: 2 });
export const SubjectRulesReviewStatus = Type.Object(
  {
    resourceRules: Type.Array(ResourceRule, {
      description: 'The list of actions the subject is allowed to perform on resources.',
      'x-kubernetes-list-type': 'atomic',
    }),
    nonResourceRules: Type.Array(NonResourceRule, {
      description: 'The list of actions the subject is allowed to perform on non-resources.',
      'x-kubernetes-list-type': 'atomic',
    }),
    incomplete: Type.Boolean({ description: 'True when the rules returned by this call are incomplete.' }),
    evaluationError: str('Errors met while evaluating the rules.'),
  },
  { description: 'SubjectRulesReviewStatus contains the result of a rules check.' },
);
protobuf(SubjectRulesReviewStatus, 'k8s.io.api.authorization.v1.SubjectRulesReviewStatus', {
  resourceRules: 1,
  nonResourceRules: 2,
  incomplete: [3, 'required'],
  evaluationError: 4,
});
export const SelfSubjectRulesReviewSpec = Type.Object(
  { namespace: str('Namespace to evaluate rules for. Required.') },
  { description: 'SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.' },
);
protobuf(SelfSubjectRulesReviewSpec, 'k8s.io.api.authorization.v1.SelfSubjectRulesReviewSpec', { namespace: 1 });
export const SelfSubjectRulesReview = review(
  'SelfSubjectRulesReview',
  SelfSubjectRulesReviewSpec,
  SubjectRulesReviewStatus,
  'SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace.',
);
export type SelfSubjectRulesReview = Static<typeof SelfSubjectRulesReview>;

export const UserInfo = Type.Object(
  {
    username: str('The name that uniquely identifies this user among all active users.'),
    uid: str('A unique value that identifies this user across time.'),
    groups: Type.Optional(Type.Array(Type.String(), { description: 'The names of groups this user is a part of.', 'x-kubernetes-list-type': 'atomic' })),
    extra: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Any additional information provided by the authenticator.' })),
  },
  { description: 'UserInfo holds the information about the user needed to implement the user.Info interface.' },
);
protobuf(UserInfo, 'k8s.io.api.authentication.v1.UserInfo', { username: 1, uid: 2, groups: 3, extra: 4 });
export const SelfSubjectReviewStatus = Type.Object(
  { userInfo: Type.Optional(Described(UserInfo, 'User attributes of the user making this request.')) },
  { description: 'SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.' },
);
protobuf(SelfSubjectReviewStatus, 'k8s.io.api.authentication.v1.SelfSubjectReviewStatus', { userInfo: 1 });
export const SelfSubjectReview = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ObjectMeta, "Standard object's metadata.")),
    status: Type.Optional(Described(SelfSubjectReviewStatus, 'Status is filled in by the server with the user attributes.')),
  },
  { description: 'SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.' },
);
protobuf(SelfSubjectReview, 'k8s.io.api.authentication.v1.SelfSubjectReview', { metadata: 1, status: 2 });
export type SelfSubjectReview = Static<typeof SelfSubjectReview>;

const authz = 'io.k8s.api.authorization.v1.';
export const reviewDefinitions: Record<string, TSchema> = {
  [`${authz}ResourceAttributes`]: ResourceAttributes,
  [`${authz}NonResourceAttributes`]: NonResourceAttributes,
  [`${authz}SubjectAccessReviewStatus`]: SubjectAccessReviewStatus,
  [`${authz}SelfSubjectAccessReviewSpec`]: SelfSubjectAccessReviewSpec,
  [`${authz}SubjectAccessReviewSpec`]: SubjectAccessReviewSpec,
  [`${authz}SelfSubjectAccessReview`]: SelfSubjectAccessReview,
  [`${authz}SubjectAccessReview`]: SubjectAccessReview,
  [`${authz}ResourceRule`]: ResourceRule,
  [`${authz}NonResourceRule`]: NonResourceRule,
  [`${authz}SubjectRulesReviewStatus`]: SubjectRulesReviewStatus,
  [`${authz}SelfSubjectRulesReviewSpec`]: SelfSubjectRulesReviewSpec,
  [`${authz}SelfSubjectRulesReview`]: SelfSubjectRulesReview,
  'io.k8s.api.authentication.v1.UserInfo': UserInfo,
  'io.k8s.api.authentication.v1.SelfSubjectReviewStatus': SelfSubjectReviewStatus,
  'io.k8s.api.authentication.v1.SelfSubjectReview': SelfSubjectReview,
};
