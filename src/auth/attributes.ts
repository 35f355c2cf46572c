// Authorization attributes (k8s.io/apiserver/pkg/authorization/authorizer.Attributes) and
// kube's 403 for a refusal (endpoints/handlers/responsewriters.Forbidden).
import { requestInfo } from '../api/audit.js';
import { failure } from '../registry/errors.js';
import type { UserInfo } from './user.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
}

export type Decision = { allowed: true; reason: string } | { allowed: false; reason: string };

export interface Authorizer {
  authorize(a: Attributes): Decision;
  /** Changes whenever a decision might (RBAC: any role or binding written); absent: never cached. */
  readonly generation?: number;
}

/** The attributes of an HTTP request, from the same RequestInfo the audit log records. */
export function requestAttributes(user: UserInfo, method: string, url: string): Attributes {
  const info = requestInfo(method, url);
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const ref = info.objectRef;
  return {
    user,
    verb: info.verb,
    resourceRequest: ref !== undefined,
    path,
    namespace: ref?.namespace ?? '',
    apiGroup: ref?.apiGroup ?? '',
    apiVersion: ref?.apiVersion ?? '',
    resource: ref?.resource ?? '',
    subresource: ref?.subresource ?? '',
    name: ref?.name ?? '',
  };
}

/** responsewriters.forbiddenMessage */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.username;
  if (!a.resourceRequest) return `User ${JSON.stringify(user)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace)
    return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} in the namespace ${JSON.stringify(a.namespace)}`;
  return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} at the cluster scope`;
}

/** The 403 Status: apierrors.NewForbidden over the request's group/resource and name. */
export function forbidden(a: Attributes, reason: string) {
  const err = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.resourceRequest || !a.resource) return failure(403, 'Forbidden', `forbidden: ${err}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${err}` : `${qualified} is forbidden: ${err}`;
  const details: Record<string, string> = {};
  if (a.name) details.name = a.name;
  if (a.apiGroup) details.group = a.apiGroup;
  details.kind = a.resource;
  return failure(403, 'Forbidden', message, details);
}

/** The 401 every failed authentication gets (responsewriters.Unauthorized via apierrors.NewUnauthorized). */
export const unauthorized = () => failure(401, 'Unauthorized', 'Unauthorized', undefined);
