// io.k8s.api.core.v1 Endpoints and its parts, in the field order of k8s.io/api/core/v1/types.go.
// Deprecated in Kubernetes v1.33 in favour of discovery.k8s.io/v1 EndpointSlice, and still served.
import { Type, type Static, type TSchema } from 'typebox';
import { ObjectReference } from './event.js';
import { Described, Enum, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';
import { Protocols } from './service.js';

export const EndpointAddress = Type.Object(
  {
    ip: Type.Optional(Type.String({ description: 'The IP of this endpoint. Not loopback, link-local or link-local multicast.' })),
    hostname: Type.Optional(Type.String({ description: 'The hostname of this endpoint.' })),
    nodeName: Type.Optional(Type.String({ description: 'The Node hosting this endpoint.' })),
    targetRef: Type.Optional(Described(ObjectReference, 'The object providing this endpoint.')),
  },
  { description: 'EndpointAddress is one IP address of an endpoint.', 'x-kubernetes-map-type': 'atomic' },
);
protobuf(EndpointAddress, 'k8s.io.api.core.v1.EndpointAddress', { ip: [1, 'required'], hostname: 3, nodeName: [4, 'pointer'], targetRef: [2, 'pointer'] });
export type EndpointAddress = Static<typeof EndpointAddress>;

export const EndpointsPort = Type.Object(
  {
    name: Type.Optional(Type.String({ description: "The port's name, matching the Service port's name; a DNS label. Optional only if there is one port." })),
    port: Type.Optional(Type.Integer({ description: 'The port number of the endpoint.' })),
    protocol: Type.Optional(Enum(Protocols, 'The IP protocol: TCP (the default), UDP or SCTP.')),
    appProtocol: Type.Optional(Type.String({ description: 'The application protocol, as for a Service port.' })),
  },
  { description: 'EndpointPort is one port of the addresses of a subset.', 'x-kubernetes-map-type': 'atomic' },
);
protobuf(EndpointsPort, 'k8s.io.api.core.v1.EndpointPort', { name: 1, port: [2, 'required', 'int32'], protocol: 3, appProtocol: [4, 'pointer'] });
export type EndpointsPort = Static<typeof EndpointsPort>;

export const EndpointSubset = Type.Object(
  {
    addresses: Type.Optional(Type.Array(EndpointAddress, { description: 'Addresses that serve the ports and are ready.', 'x-kubernetes-list-type': 'atomic' })),
    notReadyAddresses: Type.Optional(
      Type.Array(EndpointAddress, { description: 'Addresses that serve the ports but are not ready.', 'x-kubernetes-list-type': 'atomic' }),
    ),
    ports: Type.Optional(Type.Array(EndpointsPort, { description: 'The ports of these addresses.', 'x-kubernetes-list-type': 'atomic' })),
  },
  { description: 'EndpointSubset is a group of addresses with a common set of ports: every address serves every port.' },
);
protobuf(EndpointSubset, 'k8s.io.api.core.v1.EndpointSubset', { addresses: 1, notReadyAddresses: 2, ports: 3 });
export type EndpointSubset = Static<typeof EndpointSubset>;

export const Endpoints = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ObjectMeta, 'Standard object metadata. Named as the Service it belongs to.')),
    subsets: Type.Optional(
      Type.Array(EndpointSubset, {
        description: "The Service's endpoints: the union of every subset's addresses and ports.",
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  {
    description:
      'Endpoints is the set of addresses of the Service with the same name. Deprecated in v1.33+: use discovery.k8s.io/v1 EndpointSlice, which the control plane mirrors Endpoints into.',
  },
);
protobuf(Endpoints, 'k8s.io.api.core.v1.Endpoints', { metadata: 1, subsets: 2 });
export type Endpoints = Static<typeof Endpoints>;

export const EndpointsList = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata.')),
    items: Type.Array(Endpoints, { description: 'The endpoints.' }),
  },
  { description: 'EndpointsList is a list of Endpoints.' },
);

const core = 'io.k8s.api.core.v1.';

export const endpointsDefinitions: Record<string, TSchema> = {
  [`${core}Endpoints`]: Endpoints,
  [`${core}EndpointsList`]: EndpointsList,
  [`${core}EndpointSubset`]: EndpointSubset,
  [`${core}EndpointAddress`]: EndpointAddress,
  [`${core}EndpointPort`]: EndpointsPort,
};
