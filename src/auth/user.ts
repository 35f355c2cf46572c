// Who a request is from, as k8s.io/apiserver/pkg/authentication/user.Info, and the names
// kube-apiserver gives its built-in users and groups.
import type { FastifyRequest } from 'fastify';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const anonymousUser = 'system:anonymous';
export const allUnauthenticated = 'system:unauthenticated';
export const allAuthenticated = 'system:authenticated';
export const systemPrivilegedGroup = 'system:masters';

export const anonymous: UserInfo = { username: anonymousUser, groups: [allUnauthenticated] };

const users = new WeakMap<FastifyRequest, UserInfo>();

/** The authentication filter records the user; handlers and the audit log read it. */
export function setUser(req: FastifyRequest, user: UserInfo): void {
  users.set(req, user);
}

/** The request's user; undefined where no authentication runs (the default AlwaysAllow server). */
export function userOf(req: FastifyRequest): UserInfo | undefined {
  return users.get(req);
}

/**
 * kube's AuthenticatedGroupAdder: every authenticated user is also in system:authenticated,
 * unless already in it or in system:unauthenticated (the anonymous user).
 */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(allAuthenticated) || user.groups.includes(allUnauthenticated)) return user;
  return { ...user, groups: [...user.groups, allAuthenticated] };
}

/** The authorization decision on a request, for the audit log's annotations. */
export interface DecisionNote {
  decision: 'allow' | 'forbid';
  reason: string;
}

const decisions = new WeakMap<FastifyRequest, DecisionNote>();

export function noteDecision(req: FastifyRequest, note: DecisionNote): void {
  decisions.set(req, note);
}

export function decisionOf(req: FastifyRequest): DecisionNote | undefined {
  return decisions.get(req);
}
