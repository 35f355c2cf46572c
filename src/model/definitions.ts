// The named definitions of the API, under the names Kubernetes gives them, so that the OpenAPI
// document and the SDKs generated from it read like Kubernetes'. A definition used inside
// another becomes a $ref to it, or, where the field has a description of its own (see
// fieldTypes.Described), `{allOf: [{$ref}], description}` as kube-openapi writes it.
import type { TSchema } from 'typebox';
import { allocationDefinitions } from './allocation.js';
import { endpointSliceDefinitions } from './endpointSlice.js';
import { endpointsDefinitions } from './endpoints.js';
import { eventDefinitions } from './event.js';
import { IntOrString } from './fieldTypes.js';
import {
  DeleteOptions,
  ListMeta,
  ObjectMeta,
  OwnerReference,
  ManagedFieldsEntry,
  Preconditions,
  Status,
  StatusCause,
  StatusDetails,
  WatchEvent,
} from './meta.js';
import { Namespace, NamespaceList, NamespaceSpec, NamespaceStatus } from './namespace.js';
import {
  ClientIPConfig,
  Condition,
  LoadBalancerIngress,
  LoadBalancerStatus,
  PortStatus,
  Service,
  ServiceList,
  ServicePort,
  ServiceSpec,
  ServiceStatus,
  SessionAffinityConfig,
} from './service.js';

const core = 'io.k8s.api.core.v1.';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

export const definitions: Record<string, TSchema> = {
  [`${meta}ObjectMeta`]: ObjectMeta,
  [`${meta}ListMeta`]: ListMeta,
  [`${meta}OwnerReference`]: OwnerReference,
  [`${meta}ManagedFieldsEntry`]: ManagedFieldsEntry,
  [`${meta}Status`]: Status,
  [`${meta}StatusDetails`]: StatusDetails,
  [`${meta}StatusCause`]: StatusCause,
  [`${meta}DeleteOptions`]: DeleteOptions,
  [`${meta}Preconditions`]: Preconditions,
  [`${meta}Condition`]: Condition,
  [`${meta}WatchEvent`]: WatchEvent,
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': IntOrString,
  [`${core}ServicePort`]: ServicePort,
  [`${core}ServiceSpec`]: ServiceSpec,
  [`${core}ServiceStatus`]: ServiceStatus,
  [`${core}SessionAffinityConfig`]: SessionAffinityConfig,
  [`${core}ClientIPConfig`]: ClientIPConfig,
  [`${core}LoadBalancerStatus`]: LoadBalancerStatus,
  [`${core}LoadBalancerIngress`]: LoadBalancerIngress,
  [`${core}PortStatus`]: PortStatus,
  [`${core}Service`]: Service,
  [`${core}ServiceList`]: ServiceList,
  [`${core}Namespace`]: Namespace,
  [`${core}NamespaceSpec`]: NamespaceSpec,
  [`${core}NamespaceStatus`]: NamespaceStatus,
  [`${core}NamespaceList`]: NamespaceList,
  ...eventDefinitions,
  ...endpointsDefinitions,
  ...endpointSliceDefinitions,
  ...allocationDefinitions,
};

export const ref = (name: string) => ({ $ref: `${name}#` });
export const refs = {
  Service: ref(`${core}Service`),
  ServiceList: ref(`${core}ServiceList`),
  Namespace: ref(`${core}Namespace`),
  NamespaceList: ref(`${core}NamespaceList`),
  Event: ref(`${core}Event`),
  EventList: ref(`${core}EventList`),
  Status: ref(`${meta}Status`),
  DeleteOptions: ref(`${meta}DeleteOptions`),
  WatchEvent: ref(`${meta}WatchEvent`),
  Allocation: ref('dev.svcplane.v1alpha1.Allocation'),
  AllocationList: ref('dev.svcplane.v1alpha1.AllocationList'),
};

type Node = Record<string, unknown>;

/** A schema's shape: everything but its own description, which a field may override. */
function shapeOf(node: object): string {
  const { description: _description, ...rest } = node as Node;
  return JSON.stringify(rest);
}

/**
 * Each definition with nested definitions replaced by $refs, carrying its name as $id; `extra`
 * adds the definitions of resources declared outside this module.
 */
export function sharedSchemas(extra: Record<string, TSchema> = {}): Node[] {
  const all: Record<string, TSchema> = { ...definitions, ...extra };
  const byShape = new Map<string, string>();
  for (const [name, schema] of Object.entries(all)) {
    const shape = shapeOf(schema);
    const twin = byShape.get(shape);
    if (twin) throw new Error(`definitions ${twin} and ${name} have the same shape; a field of either would refer to one of them at random`);
    byShape.set(shape, name);
  }
  const replace = (node: unknown, top: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => replace(n, false));
    if (!node || typeof node !== 'object') return node;
    if (!top) {
      const name = byShape.get(shapeOf(node));
      if (name) {
        const own = (node as Node).description;
        return own === undefined || own === (all[name] as Node).description ? ref(name) : { allOf: [ref(name)], description: own };
      }
    }
    const out: Node = {};
    for (const [k, v] of Object.entries(node as Node)) out[k] = replace(v, false);
    return out;
  };
  return Object.entries(all).map(([name, schema]) => ({ $id: name, ...(replace(schema, true) as Node) }));
}
