// kube's privilege-escalation prevention for RBAC writes (pkg/registry/rbac/validation/rule.go
// ConfirmNoEscalation, pkg/registry/rbac/escalation_check.go): nobody creates or changes a role
// granting, or a binding to a role holding, a permission they do not hold themselves, unless the
// authorizer lets them `escalate` (roles) or `bind` (bindings).
import type { Attributes, Authorizer } from '../../auth/attributes.js';
import type { RbacAuthorizer } from '../../auth/rbac.js';
import { systemPrivilegedGroup, type UserInfo } from '../../auth/user.js';
import type { PolicyRule, RoleRef } from '../../model/rbac.js';
import { failure } from '../errors.js';

const rbacGroup = 'rbac.authorization.k8s.io';

/** One verb on one group/resource/name, or one verb on one URL: what Covers compares. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length)
          for (const name of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
  }
  return out;
}

const hasOrStar = (list: readonly string[] | undefined, v: string) => list?.some((x) => x === '*' || x === v) ?? false;

/** rbacv1helpers' ruleCovers for one broken-down rule. */
function covers(owner: PolicyRule, r: PolicyRule): boolean {
  if (!hasOrStar(owner.verbs, r.verbs[0])) return false;
  if (r.nonResourceURLs?.length) {
    const url = r.nonResourceURLs[0];
    return (owner.nonResourceURLs ?? []).some((u) => u === '*' || u === url || (u.endsWith('*') && url.startsWith(u.slice(0, -1))));
  }
  if (!hasOrStar(owner.apiGroups, r.apiGroups![0])) return false;
  const resource = r.resources![0];
  const sub = resource.includes('/') ? resource.slice(resource.indexOf('/')) : '';
  if (!(owner.resources ?? []).some((o) => o === '*' || o === resource || (sub !== '' && o === `*${sub}`))) return false;
  if (!owner.resourceNames?.length) return true;
  return r.resourceNames?.length === 1 && owner.resourceNames.includes(r.resourceNames[0]);
}

const goQuoted = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/** PolicyRule.CompactString */
function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** CompactRules: broken-down rules on one group/resource/name merge their verbs. */
function compact(rules: PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  for (const r of rules) {
    const k = JSON.stringify({ ...r, verbs: [] });
    const m = merged.get(k);
    if (m) {
      if (!m.verbs.includes(r.verbs[0])) m.verbs.push(r.verbs[0]);
    } else merged.set(k, { ...r, verbs: [...r.verbs] });
  }
  return [...merged.values()];
}

export class EscalationCheck {
  constructor(
    private readonly rbac: RbacAuthorizer,
    private readonly authorizer: Authorizer,
  ) {}

  private allowedTo(user: UserInfo, verb: string, resource: string, namespace: string, name: string): boolean {
    const a: Attributes = { user, verb, resourceRequest: true, path: '', namespace, apiGroup: rbacGroup, apiVersion: '*', resource, subresource: '', name };
    return this.authorizer.authorize(a).allowed;
  }

  /** The reason a grant is refused, or undefined. namespace '' checks cluster-wide rules only. */
  private missing(user: UserInfo, rules: PolicyRule[], namespace: string): string | undefined {
    const { rules: held, errors } = this.rbac.rulesFor(user, namespace);
    const missing = rules.flatMap(breakdown).filter((r) => !held.some((o) => covers(o, r)));
    if (missing.length === 0) return undefined;
    const text = compact(missing).map(compactString).sort().join('\n');
    let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${text}`;
    if (errors.length) msg += `; resolution errors: [${errors.join(' ')}]`;
    return msg;
  }

  /** Role and ClusterRole writes (roles/clusterroles REST storage's Create and Update). */
  checkRole(user: UserInfo | undefined, resource: 'roles' | 'clusterroles', namespace: string, name: string, rules: PolicyRule[]): void {
    if (!user || user.groups.includes(systemPrivilegedGroup)) return;
    if (this.allowedTo(user, 'escalate', resource, namespace, name)) return;
    const reason = this.missing(user, rules, namespace);
    if (reason) throw refused(resource, name, reason);
  }

  /** RoleBinding and ClusterRoleBinding writes: `bind` on the role, or hold all it grants. */
  checkBinding(user: UserInfo | undefined, resource: 'rolebindings' | 'clusterrolebindings', namespace: string, name: string, ref: RoleRef): void {
    if (!user || user.groups.includes(systemPrivilegedGroup)) return;
    const roleResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (this.allowedTo(user, 'bind', roleResource, namespace, ref.name)) return;
    const rules = ref.kind === 'ClusterRole' ? this.rbac.view.clusterRoleRules(ref.name) : this.rbac.view.roles.get(`${namespace}/${ref.name}`)?.rules;
    if (!rules)
      throw refused(resource, name, `${ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles'}.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
    const reason = this.missing(user, rules, namespace);
    if (reason) throw refused(resource, name, reason);
  }
}

/** apierrors.NewForbidden(rbac resource, name, err) */
function refused(resource: string, name: string, reason: string) {
  return failure(403, 'Forbidden', `${resource}.${rbacGroup} ${JSON.stringify(name)} is forbidden: ${reason}`, { name, group: rbacGroup, kind: resource });
}
