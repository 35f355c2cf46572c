// io.k8s.api.discovery.v1 EndpointSlice and its parts, in the field order of
// k8s.io/api/discovery/v1/types.go. Every field is optional in the schema, addressType and
// endpoints included (Kubernetes' document marks them required): kube-apiserver decodes a slice
// without them and validation answers with a 422 naming the field, not the decoder with a 400.
import { Type, type Static, type TSchema } from 'typebox';
import { ObjectReference } from './event.js';
import { Described, Enum, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';
import { Protocols } from './service.js';

export const AddressTypes = ['FQDN', 'IPv4', 'IPv6'] as const;

export const EndpointConditions = Type.Object(
  {
    ready: Type.Optional(
      Type.Boolean({ description: 'Whether the endpoint takes traffic, as its manager sees it. Unset means true; false for not-ready addresses.' }),
    ),
    serving: Type.Optional(Type.Boolean({ description: 'Whether the endpoint could take traffic, even while terminating. Unset means true.' })),
    terminating: Type.Optional(Type.Boolean({ description: 'Whether the endpoint is going away. Unset means false.' })),
  },
  { description: 'EndpointConditions is the state of one endpoint.' },
);
protobuf(EndpointConditions, 'k8s.io.api.discovery.v1.EndpointConditions', { ready: [1, 'pointer'], serving: [2, 'pointer'], terminating: [3, 'pointer'] });

export const ForZone = Type.Object(
  { name: Type.String({ description: 'The name of a zone that should use this endpoint.' }) },
  { description: 'ForZone names a zone that should consume an endpoint.' },
);
protobuf(ForZone, 'k8s.io.api.discovery.v1.ForZone', { name: [1, 'required'] });

export const ForNode = Type.Object(
  { name: Type.String({ description: 'The name of a node that should use this endpoint.' }) },
  { description: 'ForNode names a node that should consume an endpoint.' },
);
protobuf(ForNode, 'k8s.io.api.discovery.v1.ForNode', { name: [1, 'required'] });

export const EndpointHints = Type.Object(
  {
    forZones: Type.Optional(
      Type.Array(ForZone, {
        description: 'The zones that should consume this endpoint (topology aware routing); at most 8.',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    forNodes: Type.Optional(
      Type.Array(ForNode, {
        description: 'The nodes that should consume this endpoint; at most 8. Alpha (PreferSameTrafficDistribution); dropped while that gate is off.',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  { description: 'EndpointHints says how an endpoint should be consumed.' },
);
protobuf(EndpointHints, 'k8s.io.api.discovery.v1.EndpointHints', { forZones: 1, forNodes: 2 });

export const Endpoint = Type.Object(
  {
    addresses: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "The addresses of this endpoint, of the slice's addressType: IP addresses for IPv4 and IPv6, domain names for FQDN. At least one, at most 100; consumers use the first.",
        'x-kubernetes-list-type': 'set',
      }),
    ),
    conditions: Type.Optional(Described(EndpointConditions, 'The current state of the endpoint.')),
    hostname: Type.Optional(Type.String({ description: 'A DNS label naming this endpoint, for DNS records of headless Services.' })),
    targetRef: Type.Optional(Described(ObjectReference, 'The object (usually a Pod) this endpoint stands for.')),
    deprecatedTopology: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Topology labels from the v1beta1 API. Not writable through v1: a write through v1 drops it.',
      }),
    ),
    nodeName: Type.Optional(Type.String({ description: 'The Node hosting this endpoint.' })),
    zone: Type.Optional(Type.String({ description: 'The zone this endpoint is in.' })),
    hints: Type.Optional(Described(EndpointHints, 'How the endpoint should be consumed (topology aware routing).')),
  },
  { description: 'Endpoint is one backend of a Service.' },
);
protobuf(Endpoint, 'k8s.io.api.discovery.v1.Endpoint', {
  addresses: 1,
  conditions: 2,
  hostname: [3, 'pointer'],
  targetRef: [4, 'pointer'],
  deprecatedTopology: 5,
  nodeName: [6, 'pointer'],
  zone: [7, 'pointer'],
  hints: [8, 'pointer'],
});
export type Endpoint = Static<typeof Endpoint>;

export const EndpointPort = Type.Object(
  {
    name: Type.Optional(
      Type.String({ description: "The port's name: empty or a DNS label, unique within the slice; a Service's port name for slices derived from one." }),
    ),
    protocol: Type.Optional(Enum(Protocols, 'The IP protocol: TCP (the default), UDP or SCTP.')),
    port: Type.Optional(Type.Integer({ description: "The port number on the endpoints (the Service's target port); unset means every port." })),
    appProtocol: Type.Optional(
      Type.String({ description: 'The application protocol, as for a Service port: an IANA service name, a kubernetes.io/ name or a domain-prefixed one.' }),
    ),
  },
  { description: 'EndpointPort is a port every endpoint of an EndpointSlice serves.' },
);
protobuf(EndpointPort, 'k8s.io.api.discovery.v1.EndpointPort', {
  name: [1, 'pointer'],
  protocol: [2, 'pointer'],
  port: [3, 'pointer', 'int32'],
  appProtocol: [4, 'pointer'],
});
export type EndpointPort = Static<typeof EndpointPort>;

export const EndpointSlice = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ObjectMeta, 'Standard object metadata.')),
    addressType: Type.Optional(
      Enum(AddressTypes, 'The kind of address in this slice: IPv4, IPv6 or FQDN. Every address in the slice is of this type. Cannot be changed.'),
    ),
    endpoints: Type.Optional(Type.Array(Endpoint, { description: 'The endpoints of this slice, at most 1000.', 'x-kubernetes-list-type': 'atomic' })),
    ports: Type.Optional(
      Type.Array(EndpointPort, {
        description: 'The ports every endpoint in this slice serves, each with a unique name. Empty means no ports are defined.',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  {
    description:
      'EndpointSlice is a set of endpoints of a Service. A Service may have several, found by the label kubernetes.io/service-name; joined, they are all of its endpoints.',
  },
);
protobuf(EndpointSlice, 'k8s.io.api.discovery.v1.EndpointSlice', { metadata: 1, addressType: [4, 'required'], endpoints: 2, ports: 3 });
export type EndpointSlice = Static<typeof EndpointSlice>;

export const EndpointSliceList = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata.')),
    items: Type.Array(EndpointSlice, { description: 'The endpoint slices.' }),
  },
  { description: 'EndpointSliceList is a list of EndpointSlices.' },
);

const discovery = 'io.k8s.api.discovery.v1.';

/** The definitions this resource brings, by OpenAPI name. */
export const endpointSliceDefinitions: Record<string, TSchema> = {
  [`${discovery}EndpointSlice`]: EndpointSlice,
  [`${discovery}EndpointSliceList`]: EndpointSliceList,
  [`${discovery}Endpoint`]: Endpoint,
  [`${discovery}EndpointConditions`]: EndpointConditions,
  [`${discovery}EndpointHints`]: EndpointHints,
  [`${discovery}EndpointPort`]: EndpointPort,
  [`${discovery}ForZone`]: ForZone,
  [`${discovery}ForNode`]: ForNode,
};
