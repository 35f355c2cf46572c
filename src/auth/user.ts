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

// Kept on the request itself rather than in WeakMaps: every request sets both, and a property
// that every request gains in the same order is cheaper than two ephemeron entries.
const userKey = Symbol('svcplane.user');
const decisionKey = Symbol('svcplane.decision');
type Noted = FastifyRequest & { [userKey]?: UserInfo; [decisionKey]?: DecisionNote };

/** The authentication filter records the user; handlers and the audit log read it. */
export function setUser(req: FastifyRequest, user: UserInfo): void {
  (req as Noted)[userKey] = user;
}

/** The request's user; undefined where no authentication runs (the default AlwaysAllow server). */
export function userOf(req: FastifyRequest): UserInfo | undefined {
  return (req as Noted)[userKey];
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

export function noteDecision(req: FastifyRequest, note: DecisionNote): void {
  (req as Noted)[decisionKey] = note;
}

export function decisionOf(req: FastifyRequest): DecisionNote | undefined {
  return (req as Noted)[decisionKey];
}
