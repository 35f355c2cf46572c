import { Type, type Static } from 'typebox';
import { ListMeta, ObjectMeta } from './meta.js';

export const NamespaceSpec = Type.Object({
  finalizers: Type.Optional(Type.Array(Type.String())),
}, { description: 'NamespaceSpec describes the attributes on a Namespace.' });

export const NamespaceStatus = Type.Object({
  phase: Type.Optional(Type.Union([Type.Literal('Active'), Type.Literal('Terminating')], { description: 'The current lifecycle phase of the namespace.' })),
}, { description: 'NamespaceStatus is information about the current status of a Namespace.' });

export const Namespace = Type.Object({
  kind: Type.Optional(Type.String()),
  apiVersion: Type.Optional(Type.String()),
  metadata: Type.Optional(ObjectMeta),
  spec: Type.Optional(NamespaceSpec),
  status: Type.Optional(NamespaceStatus),
}, { description: 'Namespace provides a scope for Names.' });
export type Namespace = Static<typeof Namespace>;

export const NamespaceList = Type.Object({
  kind: Type.Optional(Type.String()),
  apiVersion: Type.Optional(Type.String()),
  metadata: Type.Optional(ListMeta),
  items: Type.Array(Namespace),
}, { description: 'NamespaceList is a list of Namespaces.' });
