// Access reviews and SelfSubjectReview: create-only resources answered by the authorizer and
// never stored, as kube's pkg/registry/authorization/* and authentication/selfsubjectreview REST
// storages implement only Create. The generic store gives them the rest of the REST surface's
// shape; only create is routed (their declarations have no other verb).
import type { TSchema } from 'typebox';
import type { Attributes, Authorizer } from '../auth/attributes.js';
import { RbacAuthorizer } from '../auth/rbac.js';
import { anonymous, type UserInfo } from '../auth/user.js';
import {
  type NonResourceAttributes,
  type ResourceAttributes,
  SelfSubjectAccessReview,
  SelfSubjectReview,
  SelfSubjectRulesReview,
  SubjectAccessReview,
  type SubjectAccessReviewStatus,
} from '../model/authorization.js';
import type { ObjectStore } from '../storage/objectStore.js';
import { invalid } from './errors.js';
import { GenericStore, type WriteOptions } from './generic/store.js';
import type { KubeObject } from './generic/strategy.js';
import { invalid as fieldInvalid, type FieldError } from './validation/fieldErrors.js';

type Answer<T extends KubeObject> = (input: T, user: UserInfo) => T;

class ReviewStore<T extends KubeObject> extends GenericStore<T> {
  constructor(
    store: ObjectStore,
    resource: string,
    kind: string,
    apiVersion: string,
    schema: TSchema,
    private readonly answer: Answer<T>,
  ) {
    super(store, {
      resource,
      kind,
      apiVersion,
      schema,
      namespaced: false,
      strategy: { validate: () => [], allowCreateOnUpdate: false, validateUpdate: () => [], serialize: (o) => JSON.stringify(o) },
    });
  }

  override async create(_namespace: string, input: T, options: WriteOptions = {}): Promise<T> {
    const out = this.answer(structuredClone(input), options.user ?? anonymous);
    // Go writes the zero creationTimestamp of an object never stored as null.
    return { kind: this.kind, apiVersion: this.apiVersion, ...out, metadata: { ...(out.metadata ?? {}), creationTimestamp: null } } as T;
  }
}

function attributesOf(user: UserInfo, spec: { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: NonResourceAttributes }): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user,
      verb: r.verb ?? '',
      resourceRequest: true,
      path: '',
      namespace: r.namespace ?? '',
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      name: r.name ?? '',
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return {
    user,
    verb: n.verb ?? '',
    resourceRequest: false,
    path: n.path ?? '',
    namespace: '',
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    name: '',
  };
}

/** ValidateSubjectAccessReviewSpec's rule: exactly one of the two. */
function checkAttributes(kind: string, spec: { resourceAttributes?: unknown; nonResourceAttributes?: unknown } | undefined): void {
  const errs: FieldError[] = [];
  const both = spec?.resourceAttributes !== undefined && spec?.nonResourceAttributes !== undefined;
  const neither = spec?.resourceAttributes === undefined && spec?.nonResourceAttributes === undefined;
  if (both) errs.push(fieldInvalid('spec.resourceAttributes', spec?.resourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  if (neither) errs.push(fieldInvalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  if (errs.length) throw invalid(kind, '', errs, 'authorization.k8s.io');
}

function decide(authorizer: Authorizer, a: Attributes): SubjectAccessReviewStatus {
  const d = authorizer.authorize(a);
  const status: SubjectAccessReviewStatus = { allowed: d.allowed };
  if (d.reason) status.reason = d.reason;
  return status;
}

export function reviewStores(store: ObjectStore, authorizer: Authorizer) {
  const authz = 'authorization.k8s.io/v1';
  return {
    selfSubjectAccessReviews: new ReviewStore<SelfSubjectAccessReview>(
      store,
      'selfsubjectaccessreviews',
      'SelfSubjectAccessReview',
      authz,
      SelfSubjectAccessReview,
      (review, user) => {
        checkAttributes('SelfSubjectAccessReview', review.spec);
        return { ...review, status: decide(authorizer, attributesOf(user, review.spec)) };
      },
    ),
    subjectAccessReviews: new ReviewStore<SubjectAccessReview>(store, 'subjectaccessreviews', 'SubjectAccessReview', authz, SubjectAccessReview, (review) => {
      checkAttributes('SubjectAccessReview', review.spec);
      if (!review.spec.user && !review.spec.groups?.length)
        throw invalid(
          'SubjectAccessReview',
          '',
          [fieldInvalid('spec.user', review.spec.user ?? '', 'at least one of user or group must be specified')],
          'authorization.k8s.io',
        );
      const subject: UserInfo = { username: review.spec.user ?? '', groups: review.spec.groups ?? [], uid: review.spec.uid, extra: review.spec.extra };
      return { ...review, status: decide(authorizer, attributesOf(subject, review.spec)) };
    }),
    selfSubjectRulesReviews: new ReviewStore<SelfSubjectRulesReview>(
      store,
      'selfsubjectrulesreviews',
      'SelfSubjectRulesReview',
      authz,
      SelfSubjectRulesReview,
      (review, user) => {
        const namespace = review.spec.namespace ?? '';
        if (!namespace)
          throw invalid('SelfSubjectRulesReview', '', [{ type: 'FieldValueRequired', field: 'spec.namespace', detail: '' }], 'authorization.k8s.io');
        if (!(authorizer instanceof RbacAuthorizer)) {
          // AlwaysAllow's RulesFor: everything.
          return {
            ...review,
            status: {
              resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
              nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
              incomplete: false,
            },
          };
        }
        const { rules, errors } = authorizer.rulesFor(user, namespace);
        const resourceRules = rules
          .filter((r) => !r.nonResourceURLs?.length)
          .map((r) => ({
            verbs: r.verbs,
            ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}),
            ...(r.resources ? { resources: r.resources } : {}),
            ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
          }));
        const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
        // The privileged group is allowed everything outside RBAC's rules.
        if (user.groups.includes('system:masters')) {
          resourceRules.unshift({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
          nonResourceRules.unshift({ verbs: ['*'], nonResourceURLs: ['*'] });
        }
        return {
          ...review,
          status: { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) },
        };
      },
    ),
    selfSubjectReviews: new ReviewStore<SelfSubjectReview>(
      store,
      'selfsubjectreviews',
      'SelfSubjectReview',
      'authentication.k8s.io/v1',
      SelfSubjectReview,
      (review, user) => ({
        ...review,
        status: {
          userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) },
        },
      }),
    ),
  };
}
