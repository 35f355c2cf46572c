// kube's RBAC validation (pkg/apis/rbac/validation/validation.go), message for message.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from '../../model/rbac.js';
import { type FieldError, invalid, notSupported, required } from '../validation/fieldErrors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/objectMeta.js';

const rbacGroup = 'rbac.authorization.k8s.io';

/** path.ValidatePathSegmentName: any name that is a valid path segment. */
export function rbacName(name: string, prefix: boolean): string[] {
  if (prefix) return [];
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  for (const c of ['/', '%']) if (name.includes(c)) return [`may not contain '${c}'`];
  return [];
}

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (rule.nonResourceURLs?.length) {
    if (namespaced) errs.push(invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length)
      errs.push(invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

const meta = (obj: { metadata?: Role['metadata'] }, namespaced: boolean) =>
  validateObjectMeta(obj.metadata, { namespaced, nameIsDNS1035: false, nameFn: rbacName });

export function validateRole(role: Role): FieldError[] {
  return [...meta(role, true), ...(role.rules ?? []).flatMap((r, i) => validatePolicyRule(r, true, `rules[${i}]`))];
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = [...meta(role, false), ...(role.rules ?? []).flatMap((r, i) => validatePolicyRule(r, false, `rules[${i}]`))];
  (role.aggregationRule?.clusterRoleSelectors ?? []).forEach((s, i) => {
    for (const [j, e] of (s.matchExpressions ?? []).entries()) {
      const p = `aggregationRule.clusterRoleSelectors[${i}].matchExpressions[${j}]`;
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) errs.push(invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
      else if ((e.operator === 'In' || e.operator === 'NotIn') && !e.values?.length)
        errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && e.values?.length)
        errs.push(invalid(`${p}.values`, e.values, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
  });
  if (role.aggregationRule && !role.aggregationRule.clusterRoleSelectors?.length)
    errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  return errs;
}

function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.apiGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== rbacGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [rbacGroup]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateRoleRef(ref: RoleRef | undefined, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ref?.apiGroup !== rbacGroup) errs.push(notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [rbacGroup]));
  if (!kinds.includes(ref?.kind ?? '')) errs.push(notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  if (!ref?.name) errs.push(required('roleRef.name'));
  else for (const msg of rbacName(ref.name, false)) errs.push(invalid('roleRef.name', ref.name, msg));
  return errs;
}

export function validateRoleBinding(b: RoleBinding): FieldError[] {
  return [
    ...meta(b, true),
    ...validateRoleRef(b.roleRef, ['Role', 'ClusterRole']),
    ...(b.subjects ?? []).flatMap((s, i) => validateSubject(s, true, `subjects[${i}]`)),
  ];
}

export function validateClusterRoleBinding(b: ClusterRoleBinding): FieldError[] {
  return [
    ...meta(b, false),
    ...validateRoleRef(b.roleRef, ['ClusterRole']),
    ...(b.subjects ?? []).flatMap((s, i) => validateSubject(s, false, `subjects[${i}]`)),
  ];
}

/** A binding's roleRef never changes (ValidateRoleBindingUpdate). */
export function validateBindingUpdate(b: RoleBinding, old: RoleBinding): FieldError[] {
  const errs = validateObjectMetaUpdate(b.metadata!, old.metadata!);
  if (JSON.stringify(b.roleRef) !== JSON.stringify(old.roleRef)) errs.push(invalid('roleRef', b.roleRef, 'cannot change roleRef'));
  return errs;
}

export const validateMetaUpdate = (obj: { metadata?: Role['metadata'] }, old: { metadata?: Role['metadata'] }) =>
  validateObjectMetaUpdate(obj.metadata!, old.metadata!);
