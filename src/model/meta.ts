// io.k8s.apimachinery.pkg.apis.meta.v1 types, as TypeBox schemas. These schemas are the API:
// request decoding, the TypeScript types and the OpenAPI document are all derived from them.
import { Type, type Static } from 'typebox';

const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });

export const OwnerReference = Type.Object({
  apiVersion: Type.String({ description: 'API version of the referent.' }),
  kind: Type.String({ description: 'Kind of the referent.' }),
  name: Type.String({ description: 'Name of the referent.' }),
  uid: Type.String({ description: 'UID of the referent.' }),
  controller: Type.Optional(Type.Boolean({ description: 'If true, this reference points to the managing controller.' })),
  blockOwnerDeletion: Type.Optional(Type.Boolean({ description: 'If true, the owner cannot be deleted from storage until this reference is removed.' })),
}, { description: 'OwnerReference contains enough information to let you identify an owning object.' });

export const ManagedFieldsEntry = Type.Object({
  manager: Type.Optional(Type.String()),
  operation: Type.Optional(Type.String()),
  apiVersion: Type.Optional(Type.String()),
  time: Type.Optional(Type.String()),
  fieldsType: Type.Optional(Type.String()),
  fieldsV1: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  subresource: Type.Optional(Type.String()),
}, { description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.' });

export const ObjectMeta = Type.Object({
  name: Type.Optional(Type.String({ description: 'Name must be unique within a namespace. For Services it must be a DNS-1035 label.' })),
  generateName: Type.Optional(Type.String({ description: 'Optional prefix used by the server to generate a unique name when name is not provided.' })),
  namespace: Type.Optional(Type.String({ description: 'Namespace defines the space within which each name must be unique.' })),
  selfLink: Type.Optional(Type.String({ description: 'Deprecated; not set by the server.' })),
  uid: Type.Optional(Type.String({ description: 'UID is the unique in time and space value for this object, set by the server on create.' })),
  resourceVersion: Type.Optional(Type.String({ description: 'An opaque value that represents the internal version of this object; used for optimistic concurrency and watch.' })),
  generation: Type.Optional(Type.Integer({ description: 'A sequence number representing a specific generation of the desired state. Not maintained for Services.' })),
  creationTimestamp: Type.Optional(Type.String({ format: 'date-time', description: 'Time at which this object was created (RFC 3339, UTC).' })),
  deletionTimestamp: Type.Optional(Type.String({ format: 'date-time', description: 'Time at which this object will be deleted; set when a deletion is requested while finalizers remain.' })),
  deletionGracePeriodSeconds: Type.Optional(Type.Integer({ description: 'Seconds allowed for graceful termination before the object is removed.' })),
  labels: Type.Optional(StringMap('Map of string keys and values that can be used to organize and select objects.')),
  annotations: Type.Optional(StringMap('Unstructured key value map stored with a resource that may be set by external tools.')),
  ownerReferences: Type.Optional(Type.Array(OwnerReference, {
    description: 'Objects depended on by this object.',
    'x-kubernetes-list-map-keys': ['uid'], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge',
  })),
  finalizers: Type.Optional(Type.Array(Type.String(), { description: 'Must be empty before the object is deleted from storage.', 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' })),
  managedFields: Type.Optional(Type.Array(ManagedFieldsEntry, { description: 'Field ownership bookkeeping.' })),
}, { description: 'ObjectMeta is metadata that all persisted resources must have.' });
export type ObjectMeta = Static<typeof ObjectMeta>;

export const ListMeta = Type.Object({
  resourceVersion: Type.Optional(Type.String({ description: 'The version of the store this list was read at.' })),
  continue: Type.Optional(Type.String({ description: 'Set when more results are available; pass it back to get the next page.' })),
  remainingItemCount: Type.Optional(Type.Integer({ description: 'Number of items left after this page, when known.' })),
  selfLink: Type.Optional(Type.String()),
}, { description: 'ListMeta describes metadata that synthetic resources must have, including lists.' });
export type ListMeta = Static<typeof ListMeta>;

export const StatusCause = Type.Object({
  reason: Type.Optional(Type.String({ description: 'A machine-readable description of the cause of the error, e.g. FieldValueInvalid.' })),
  message: Type.Optional(Type.String({ description: 'A human-readable description of the cause of the error.' })),
  field: Type.Optional(Type.String({ description: 'The field of the resource that has caused this error, e.g. spec.ports[0].nodePort.' })),
}, { description: 'StatusCause provides more information about an api.Status failure.' });

export const StatusDetails = Type.Object({
  name: Type.Optional(Type.String()),
  group: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  causes: Type.Optional(Type.Array(StatusCause)),
  retryAfterSeconds: Type.Optional(Type.Integer()),
}, { description: 'StatusDetails is a set of additional properties that may be set by the server to provide additional information about a response.' });

export const Status = Type.Object({
  kind: Type.Optional(Type.String()),
  apiVersion: Type.Optional(Type.String()),
  metadata: Type.Optional(ListMeta),
  status: Type.Optional(Type.String({ description: 'Success or Failure.' })),
  message: Type.Optional(Type.String({ description: 'A human-readable description of the status of this operation.' })),
  reason: Type.Optional(Type.String({ description: 'A machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, BadRequest, ...' })),
  details: Type.Optional(StatusDetails),
  code: Type.Optional(Type.Integer({ description: 'Suggested HTTP return code for this status.' })),
}, { description: 'Status is a return value for calls that do not return other objects.' });
export type Status = Static<typeof Status>;
export type StatusDetails = Static<typeof StatusDetails>;

export const Preconditions = Type.Object({
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
});

export const DeleteOptions = Type.Object({
  kind: Type.Optional(Type.String()),
  apiVersion: Type.Optional(Type.String()),
  gracePeriodSeconds: Type.Optional(Type.Integer()),
  preconditions: Type.Optional(Preconditions),
  orphanDependents: Type.Optional(Type.Boolean()),
  propagationPolicy: Type.Optional(Type.String()),
  dryRun: Type.Optional(Type.Array(Type.String())),
}, { description: 'DeleteOptions may be provided when deleting an API object.' });
export type DeleteOptions = Static<typeof DeleteOptions>;

export const WatchEvent = Type.Object({
  type: Type.String({ description: 'ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.' }),
  object: Type.Object({}, {
    additionalProperties: true,
    description: 'For ADDED and MODIFIED the new state of the object; for DELETED its last state; for BOOKMARK only kind, apiVersion and metadata.resourceVersion; for ERROR a Status.',
  }),
}, { description: 'One event of a watch stream; the stream is a sequence of these, one JSON object per line.' });
