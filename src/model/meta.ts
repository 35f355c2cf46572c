// io.k8s.apimachinery.pkg.apis.meta.v1 types, as TypeBox schemas. These schemas are the API:
// request decoding, the TypeScript types and the OpenAPI document are all derived from them.
// The descriptions are ours; `kubectl explain service.metadata` prints them.
import { Type, type Static } from 'typebox';
import { Described, apiVersionField, kindField } from './fieldTypes.js';
import { protobuf } from './protobuf.js';

const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });

export const OwnerReference = Type.Object(
  {
    apiVersion: Type.String({ description: 'API version of the owner.' }),
    kind: Type.String({ description: 'Kind of the owner.' }),
    name: Type.String({ description: 'Name of the owner.' }),
    uid: Type.String({ description: 'UID of the owner; a new object that reuses the name is a different owner.' }),
    controller: Type.Optional(Type.Boolean({ description: 'True when the owner is the controller that manages this object; at most one owner may be.' })),
    blockOwnerDeletion: Type.Optional(Type.Boolean({ description: 'When true, a foreground deletion of the owner waits until this object is gone.' })),
  },
  {
    description: 'OwnerReference names an object that owns this one; when every owner is gone, the garbage collector deletes it.',
    'x-kubernetes-map-type': 'atomic',
  },
);
protobuf(OwnerReference, 'k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference', {
  apiVersion: [5, 'required'],
  kind: [1, 'required'],
  name: [3, 'required'],
  uid: [4, 'required'],
  controller: [6, 'pointer'],
  blockOwnerDeletion: [7, 'pointer'],
});

export const ManagedFieldsEntry = Type.Object(
  {
    manager: Type.Optional(Type.String({ description: 'The name of the actor that manages these fields, e.g. kubectl-client-side-apply.' })),
    operation: Type.Optional(Type.String({ description: 'The kind of request that set them: Apply or Update.' })),
    apiVersion: Type.Optional(Type.String({ description: 'The API version the fields are expressed in.' })),
    time: Type.Optional(Type.String({ format: 'date-time', description: 'When the fields were last changed by this manager.' })),
    fieldsType: Type.Optional(Type.String({ description: 'The format of fieldsV1; always FieldsV1.' })),
    fieldsV1: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The set of fields this manager owns, as a trie of field paths.' })),
    subresource: Type.Optional(Type.String({ description: 'The subresource the request went to (status, for example), or empty for the object itself.' })),
  },
  { description: 'ManagedFieldsEntry records which fields one manager last set, through which operation and API version.' },
);
protobuf(ManagedFieldsEntry, 'k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry', {
  manager: 1,
  operation: 2,
  apiVersion: 3,
  time: [4, 'pointer'],
  fieldsType: 6,
  fieldsV1: [7, 'pointer', 'fieldsV1'],
  subresource: 8,
});

export const ObjectMeta = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        description:
          'The name of the object, unique among objects of its kind in its namespace. Required on create unless generateName is given; cannot be changed. A Service name must be a DNS-1035 label: lowercase letters, digits and dashes, starting with a letter, at most 63 characters.',
      }),
    ),
    generateName: Type.Optional(
      Type.String({ description: 'A prefix from which the server makes a unique name, by appending random characters, when name is empty.' }),
    ),
    namespace: Type.Optional(
      Type.String({ description: 'The namespace the object lives in; names are unique within it. Taken from the request path when empty. Cannot be changed.' }),
    ),
    selfLink: Type.Optional(Type.String({ description: 'Deprecated and never set by the server.' })),
    uid: Type.Optional(
      Type.String({
        description:
          'A unique identifier, set by the server on create and never reused, that tells apart objects that had the same name at different times. Read-only.',
      }),
    ),
    resourceVersion: Type.Optional(
      Type.String({
        description:
          'An opaque value that changes on every write to the object. Send it back on update for optimistic concurrency (a stale value is a 409 Conflict), or use it to start a watch. Read-only; clients must not interpret it.',
      }),
    ),
    generation: Type.Optional(Type.Integer({ description: 'A sequence number for the desired state, on kinds that keep one. Services do not. Read-only.' })),
    creationTimestamp: Type.Optional(Type.String({ format: 'date-time', description: 'When the server created the object (RFC 3339, UTC). Read-only.' })),
    deletionTimestamp: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'Set by the server when a deletion has been requested but finalizers still hold the object; it is removed once they are all gone. Read-only.',
      }),
    ),
    deletionGracePeriodSeconds: Type.Optional(
      Type.Integer({ description: 'Seconds the object was allowed for graceful termination when its deletion was requested. Read-only.' }),
    ),
    labels: Type.Optional(StringMap('Key/value pairs for organising and selecting objects, as label selectors (and Service selectors) do.')),
    annotations: Type.Optional(
      StringMap('Key/value pairs that tools store on the object; not used to select objects. kubectl apply keeps the last applied manifest here.'),
    ),
    ownerReferences: Type.Optional(
      Type.Array(OwnerReference, {
        description: 'The objects this one depends on; when all of them are deleted, so is this one. At most one may be the controller.',
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      }),
    ),
    finalizers: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Names of the controllers that must finish their clean-up before the object is deleted. A deletion only sets deletionTimestamp while any remain; each controller removes its own entry when done.',
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
      }),
    ),
    managedFields: Type.Optional(
      Type.Array(ManagedFieldsEntry, {
        description: 'Which manager set which fields; maintained by the server for server-side apply. Clients rarely need to read it.',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  {
    description:
      'ObjectMeta is the metadata every persisted object has: its identity (name, namespace, uid), labels and annotations, and what the server maintains.',
  },
);
protobuf(ObjectMeta, 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', {
  name: 1,
  generateName: 2,
  namespace: 3,
  selfLink: 4,
  uid: 5,
  resourceVersion: 6,
  generation: 7,
  creationTimestamp: 8,
  deletionTimestamp: [9, 'pointer'],
  deletionGracePeriodSeconds: [10, 'pointer'],
  labels: 11,
  annotations: 12,
  ownerReferences: 13,
  finalizers: 14,
  managedFields: 17,
});
export type ObjectMeta = Static<typeof ObjectMeta>;

export const ListMeta = Type.Object(
  {
    resourceVersion: Type.Optional(
      Type.String({ description: 'The version of the store the list was read at; watch from it to see every change that came after.' }),
    ),
    continue: Type.Optional(
      Type.String({
        description:
          'Set when more items remain: send it back as the continue parameter to get the next page, read at the same version. It expires after a while.',
      }),
    ),
    remainingItemCount: Type.Optional(Type.Integer({ description: 'How many items remain after this page, when the server can tell.' })),
    selfLink: Type.Optional(Type.String({ description: 'Deprecated and never set by the server.' })),
  },
  { description: 'ListMeta is the metadata of a list: the version it was read at and how to get the next page.' },
);
protobuf(ListMeta, 'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta', { selfLink: 1, resourceVersion: 2, continue: 3, remainingItemCount: [4, 'pointer'] });
export type ListMeta = Static<typeof ListMeta>;

export const StatusCause = Type.Object(
  {
    reason: Type.Optional(Type.String({ description: 'A machine-readable kind of failure, e.g. FieldValueInvalid or FieldValueRequired.' })),
    message: Type.Optional(Type.String({ description: 'A human-readable account of this cause.' })),
    field: Type.Optional(Type.String({ description: 'The path of the field at fault, e.g. spec.ports[0].nodePort.' })),
  },
  { description: 'StatusCause is one of the reasons an operation failed, usually one invalid field.' },
);
protobuf(StatusCause, 'k8s.io.apimachinery.pkg.apis.meta.v1.StatusCause', { reason: 1, message: 2, field: 3 });

export const StatusDetails = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'The name of the object the status is about, when there is one.' })),
    group: Type.Optional(Type.String({ description: 'The API group of that object.' })),
    kind: Type.Optional(Type.String({ description: 'Its kind (Service) or resource (services).' })),
    uid: Type.Optional(Type.String({ description: 'Its UID, when known.' })),
    causes: Type.Optional(
      Type.Array(StatusCause, { description: 'The individual causes of the failure, for example one per invalid field.', 'x-kubernetes-list-type': 'atomic' }),
    ),
    retryAfterSeconds: Type.Optional(Type.Integer({ description: 'How many seconds to wait before retrying, when retrying may help.' })),
  },
  { description: 'StatusDetails says more about the object and the fields a failure concerns.' },
);
protobuf(StatusDetails, 'k8s.io.apimachinery.pkg.apis.meta.v1.StatusDetails', {
  name: 1,
  group: 2,
  kind: 3,
  uid: 6,
  causes: 4,
  retryAfterSeconds: [5, 'int32'],
});

export const Status = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata; empty for errors.')),
    status: Type.Optional(Type.String({ description: 'Success or Failure.' })),
    message: Type.Optional(Type.String({ description: 'A human-readable account of what happened.' })),
    reason: Type.Optional(
      Type.String({
        description: 'A machine-readable reason for a failure (NotFound, AlreadyExists, Conflict, Invalid, BadRequest, ...); empty when unknown.',
      }),
    ),
    details: Type.Optional(Described(StatusDetails, 'More about the failure, depending on reason.')),
    code: Type.Optional(Type.Integer({ description: 'The HTTP status code of the response, 0 when not set.' })),
  },
  { description: 'Status is the answer to a request that returns no object, and the body of every error.' },
);
protobuf(Status, 'k8s.io.apimachinery.pkg.apis.meta.v1.Status', { metadata: 1, status: 2, message: 3, reason: 4, details: [5, 'pointer'], code: [6, 'int32'] });
export type Status = Static<typeof Status>;
export type StatusDetails = Static<typeof StatusDetails>;

export const Preconditions = Type.Object(
  {
    uid: Type.Optional(Type.String({ description: 'Delete only if the object still has this UID.' })),
    resourceVersion: Type.Optional(Type.String({ description: 'Delete only if the object is still at this resourceVersion.' })),
  },
  { description: 'Preconditions must hold for a deletion to go ahead.' },
);
protobuf(Preconditions, 'k8s.io.apimachinery.pkg.apis.meta.v1.Preconditions', { uid: [1, 'pointer'], resourceVersion: [2, 'pointer'] });

export const DeleteOptions = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    gracePeriodSeconds: Type.Optional(Type.Integer({ description: 'Seconds to allow for graceful termination; Services have none.' })),
    preconditions: Type.Optional(Described(Preconditions, 'Conditions the object must meet for the deletion to go ahead.')),
    orphanDependents: Type.Optional(Type.Boolean({ description: 'Deprecated; use propagationPolicy.' })),
    propagationPolicy: Type.Optional(Type.String({ description: 'What happens to dependent objects: Orphan, Background or Foreground.' })),
    dryRun: Type.Optional(
      Type.Array(Type.String(), { description: 'All: check and answer the deletion without carrying it out.', 'x-kubernetes-list-type': 'atomic' }),
    ),
  },
  { description: 'DeleteOptions may be sent with a DELETE request.' },
);
protobuf(DeleteOptions, 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions', {
  gracePeriodSeconds: [1, 'pointer'],
  preconditions: [2, 'pointer'],
  orphanDependents: [3, 'pointer'],
  propagationPolicy: [4, 'pointer'],
  dryRun: 5,
});
export type DeleteOptions = Static<typeof DeleteOptions>;

export const WatchEvent = Type.Object(
  {
    type: Type.String({ description: 'ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.' }),
    object: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'For ADDED and MODIFIED the new state of the object; for DELETED its last state; for BOOKMARK only kind, apiVersion and metadata.resourceVersion; for ERROR a Status.',
      },
    ),
  },
  { description: 'One event of a watch stream; the stream is a sequence of these, one JSON object per line.' },
);
