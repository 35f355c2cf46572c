// authorization.k8s.io/v1 SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview
// and authentication.k8s.io/v1 SelfSubjectReview: create only, cluster-scoped, never stored.
import type { TSchema } from 'typebox';
import { SelfSubjectAccessReview, SelfSubjectReview, SelfSubjectRulesReview, SubjectAccessReview, reviewDefinitions } from '../model/authorization.js';
import type { KubeObject } from '../registry/generic/strategy.js';
import type { ResourceDeclaration } from './declaration.js';

function review(group: string, kind: string, schema: TSchema): ResourceDeclaration<KubeObject> {
  const definition = `io.k8s.api.${group.split('.')[0]}.v1.${kind}`;
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    resource: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    namespaced: false,
    verbs: ['create'],
    schema,
    definition,
    listDefinition: definition,
    definitions: reviewDefinitions,
    patchMeta: { fields: {} },
    deleteAnswer: 'object',
    statusSubresource: false,
    columns: [],
    cells: () => [],
    fieldLabels: [],
    fieldsOf: () => ({}),
  };
}

export const selfSubjectAccessReviews = review('authorization.k8s.io', 'SelfSubjectAccessReview', SelfSubjectAccessReview);
export const selfSubjectRulesReviews = review('authorization.k8s.io', 'SelfSubjectRulesReview', SelfSubjectRulesReview);
export const subjectAccessReviews = review('authorization.k8s.io', 'SubjectAccessReview', SubjectAccessReview);
export const selfSubjectReviews = review('authentication.k8s.io', 'SelfSubjectReview', SelfSubjectReview);
