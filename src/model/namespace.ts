import { Type, type Static } from 'typebox';
import { Described, Enum, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';

export const NamespaceSpec = Type.Object(
  {
    finalizers: Type.Optional(
      Type.Array(Type.String(), { description: 'What must be cleaned up before the namespace is removed for good.', 'x-kubernetes-list-type': 'atomic' }),
    ),
  },
  { description: 'NamespaceSpec is what a user asks of a Namespace.' },
);

export const NamespaceStatus = Type.Object(
  {
    phase: Type.Optional(Enum(['Active', 'Terminating'] as const, 'Active while the namespace is in use; Terminating once its deletion has begun.')),
  },
  { description: 'NamespaceStatus is the observed state of a Namespace.' },
);

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
