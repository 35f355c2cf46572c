import { Type, type Static } from 'typebox';
import { Described, Enum, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';

export const NamespaceSpec = Type.Object(
  {
    finalizers: Type.Optional(
      Type.Array(Type.String(), { description: 'What must be cleaned up before the namespace is removed for good.', 'x-kubernetes-list-type': 'atomic' }),
    ),
  },
  { description: 'NamespaceSpec is what a user asks of a Namespace.' },
);
protobuf(NamespaceSpec, 'k8s.io.api.core.v1.NamespaceSpec', { finalizers: 1 });

export const NamespaceStatus = Type.Object(
  {
    phase: Type.Optional(Enum(['Active', 'Terminating'] as const, 'Active while the namespace is in use; Terminating once its deletion has begun.')),
  },
  { description: 'NamespaceStatus is the observed state of a Namespace.' },
);
protobuf(NamespaceStatus, 'k8s.io.api.core.v1.NamespaceStatus', { phase: 1 });

export const Namespace = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ObjectMeta, 'Standard object metadata.')),
    spec: Type.Optional(Described(NamespaceSpec, 'What the Namespace should be.')),
    status: Type.Optional(Described(NamespaceStatus, 'What the Namespace currently is.')),
  },
  {
    description: 'Namespace is a scope for names: objects of one kind have unique names within their namespace. Deleting a namespace deletes everything in it.',
  },
);
protobuf(Namespace, 'k8s.io.api.core.v1.Namespace', { metadata: 1, spec: 2, status: 3 });
export type Namespace = Static<typeof Namespace>;

export const NamespaceList = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata.')),
    items: Type.Array(Namespace, { description: 'The Namespaces.' }),
  },
  { description: 'NamespaceList is a list of Namespaces.' },
);
