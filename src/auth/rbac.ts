// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of a
// role bound to its user, one of its groups or its service account covers it. ClusterRoleBindings
// apply everywhere; RoleBindings in the request's namespace only. Roles and bindings are read
// from an in-memory view that follows every commit (ObjectStore.onCommitted), so an answer sent
// after a write already reflects it.
import type { ObjectStore } from '../storage/objectStore.js';
import type { ClusterRole, ClusterRoleBinding, LabelSelector, PolicyRule, Role, RoleBinding, Subject } from '../model/rbac.js';
import type { Attributes, Authorizer, Decision } from './attributes.js';
import { systemPrivilegedGroup, type UserInfo } from './user.js';

export const rbacGroup = 'rbac.authorization.k8s.io';
const rbacResources = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] as const;

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** Every role and binding, kept current by the commits that change them. */
export class RbacView {
  readonly roles = new Map<string, Role>();
  readonly clusterRoles = new Map<string, ClusterRole>();
  readonly roleBindings = new Map<string, RoleBinding>();
  readonly clusterRoleBindings = new Map<string, ClusterRoleBinding>();
  /** Bumped by every commit that changes a role or binding: decisions cached before it are stale. */
  generation = 0;

  private mapOf(resource: string): Map<string, Role | ClusterRole | RoleBinding | ClusterRoleBinding> | undefined {
    switch (resource) {
      case 'roles':
        return this.roles;
      case 'clusterroles':
        return this.clusterRoles;
      case 'rolebindings':
        return this.roleBindings;
      case 'clusterrolebindings':
        return this.clusterRoleBindings;
    }
    return undefined;
  }

  static async follow(store: ObjectStore): Promise<{ view: RbacView; stop: () => void }> {
    const view = new RbacView();
    // Subscribed before the initial read: a commit between the two is applied twice, harmlessly.
    const stop = store.onCommitted((changes) => {
      let touched = false;
      for (const c of changes) {
        const map = view.mapOf(c.resource);
        if (!map) continue;
        touched = true;
        if (c.event === 'DELETED') map.delete(key(c.namespace, c.name));
        else map.set(key(c.namespace, c.name), JSON.parse(c.body));
      }
      if (touched) view.generation++;
    });
    for (const resource of rbacResources) {
      const page = await store.listPage(resource, undefined);
      const map = view.mapOf(resource)!;
      for (const body of page.bodies) {
        const obj = JSON.parse(body) as Role;
        map.set(key(obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''), obj);
      }
    }
    return { view, stop };
  }

  /** A ClusterRole's rules (an aggregated one's as the aggregation controller wrote them). */
  clusterRoleRules(name: string): PolicyRule[] | undefined {
    const role = this.clusterRoles.get(key('', name));
    return role ? (role.rules ?? []) : undefined;
  }
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** rbac.appliesTo: User by name, Group by membership, ServiceAccount by its user name. */
export function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
  }
  return false;
}

const has = (list: readonly string[] | undefined, value: string) => list?.some((v) => v === '*' || v === value) ?? false;

/** rbac.RuleAllows */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.resourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const resources = rule.resources ?? [];
    const resourceMatches = resources.some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
    return has(rule.apiGroups, a.apiGroup) && resourceMatches && (!rule.resourceNames?.length || rule.resourceNames.includes(a.name));
  }
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
}

/** Where a rule came from, for the decision's reason (kube's authorizingVisitor). */
interface Source {
  binding: string;
  role: string;
  subject: Subject;
  namespace: string;
}

const describeSource = (s: Source) =>
  `RBAC: allowed by ${s.namespace ? `RoleBinding "${s.binding}/${s.namespace}"` : `ClusterRoleBinding "${s.binding}"`} of ${s.role} to ${s.subject.kind} "${s.subject.name}"`;

export class RbacAuthorizer implements Authorizer {
  constructor(readonly view: RbacView) {}

  get generation(): number {
    return this.view.generation;
  }

  /**
   * Visits the rules that apply to user in namespace (every namespace's cluster-wide rules, then
   * the namespace's own), stopping when visit returns true; errors name missing roles.
   */
  visitRules(user: UserInfo, namespace: string, visit: (rule: PolicyRule, source: Source | undefined) => boolean): string[] {
    const errors: string[] = [];
    for (const b of this.view.clusterRoleBindings.values()) {
      const subject = b.subjects?.find((s) => appliesTo(user, s, ''));
      if (!subject) continue;
      const rules = b.roleRef.kind === 'ClusterRole' ? this.view.clusterRoleRules(b.roleRef.name) : undefined;
      if (!rules) {
        errors.push(`clusterrole.rbac.authorization.k8s.io "${b.roleRef.name}" not found`);
        continue;
      }
      const source = { binding: b.metadata?.name ?? '', role: `ClusterRole "${b.roleRef.name}"`, subject, namespace: '' };
      for (const r of rules) if (visit(r, source)) return errors;
    }
    if (namespace === '') return errors;
    for (const b of this.view.roleBindings.values()) {
      if (b.metadata?.namespace !== namespace) continue;
      const subject = b.subjects?.find((s) => appliesTo(user, s, namespace));
      if (!subject) continue;
      const rules = b.roleRef.kind === 'ClusterRole' ? this.view.clusterRoleRules(b.roleRef.name) : this.view.roles.get(key(namespace, b.roleRef.name))?.rules;
      if (!rules) {
        errors.push(`${b.roleRef.kind === 'ClusterRole' ? 'clusterrole' : 'role'}.rbac.authorization.k8s.io "${b.roleRef.name}" not found`);
        continue;
      }
      const source = { binding: b.metadata?.name ?? '', role: `${b.roleRef.kind} "${b.roleRef.name}"`, subject, namespace };
      for (const r of rules) if (visit(r, source)) return errors;
    }
    return errors;
  }

  /** Every rule user holds in namespace (cluster-wide ones included), and resolution errors. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors = this.visitRules(user, namespace, (r) => {
      rules.push(r);
      return false;
    });
    return { rules, errors };
  }

  authorize(a: Attributes): Decision {
    // The privileged group's authorizer runs before RBAC in kube-apiserver's union.
    if (a.user.groups.includes(systemPrivilegedGroup)) return { allowed: true, reason: '' };
    let allowedBy: Source | undefined;
    const errors = this.visitRules(a.user, a.namespace, (rule, source) => {
      if (!ruleAllows(a, rule)) return false;
      allowedBy = source;
      return true;
    });
    if (allowedBy) return { allowed: true, reason: describeSource(allowedBy) };
    return { allowed: false, reason: errors.length ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` : '' };
  }
}

/** --authorization-mode AlwaysAllow. */
export const alwaysAllow: Authorizer = { authorize: () => ({ allowed: true, reason: '' }) };
