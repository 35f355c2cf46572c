// Every served kind registered for protobuf, as the route installer registers them.
import { ProtobufKinds } from '../../src/api/protobuf/envelope.js';
import { groupVersion } from '../../src/resources/declaration.js';
import { endpointSlices } from '../../src/resources/endpointSlices.js';
import { endpoints } from '../../src/resources/endpoints.js';
import { events } from '../../src/resources/events.js';
import { eventsV1 } from '../../src/resources/eventsV1.js';
import { leases } from '../../src/resources/leases.js';
import { namespaces } from '../../src/resources/namespaces.js';
import { clusterRoleBindings, clusterRoles, roleBindings, roles } from '../../src/resources/rbac.js';
import { selfSubjectAccessReviews, selfSubjectReviews, selfSubjectRulesReviews, subjectAccessReviews } from '../../src/resources/reviews.js';
import { services } from '../../src/resources/services.js';

export const servedDeclarations = [
  services,
  namespaces,
  events,
  eventsV1,
  endpoints,
  endpointSlices,
  leases,
  roles,
  clusterRoles,
  roleBindings,
  clusterRoleBindings,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  subjectAccessReviews,
  selfSubjectReviews,
] as const;

export function servedProtobufKinds(): ProtobufKinds {
  const kinds = new ProtobufKinds();
  for (const d of servedDeclarations) {
    if (!kinds.register(groupVersion(d), d.kind, d.schema)) throw new Error(`${d.kind} has no protobuf field numbers`);
  }
  return kinds;
}
