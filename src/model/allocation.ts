// svcplane's own read-only view of its allocators (group svcplane.dev, version v1alpha1): one
// object per range, for people who want to see which values are held and by whom. Sizes are
// decimal strings because an IPv6 /64 holds 2^64 - 1 addresses, more than an int64.
import { Type, type Static } from 'typebox';
import { Described, Enum, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';

export const AllocationHolder = Type.Object(
  {
    value: Type.String({ description: 'The value held: a cluster IP in its canonical form, or a node port.' }),
    namespace: Type.String({ description: 'Namespace of the Service that holds the value.' }),
    name: Type.String({ description: 'Name of the Service that holds the value.' }),
    uid: Type.String({ description: 'UID of the Service that holds the value.' }),
    inRange: Type.Boolean({
      description:
        'False when the value lies outside the configured range: the Service keeps it (the range changed after it was allocated), and it is never handed out again.',
    }),
  },
  { description: 'AllocationHolder is one held value and the Service holding it.' },
);

export const AllocationSpec = Type.Object(
  {
    type: Enum(['ClusterIP', 'NodePort'] as const, 'What the range allocates: cluster IPs of one family, or node ports (health-check node ports included).'),
    ipFamily: Type.Optional(Enum(['IPv4', 'IPv6'] as const, 'The IP family of a cluster IP range.')),
    range: Type.String({
      description:
        'The configured range (--service-cidr or --node-port-range); empty when the range is no longer configured and only values held from an earlier configuration remain.',
    }),
    staticBandSize: Type.Integer({
      description:
        "Size of the lower band that random picks use only when the upper band is full, kube-apiserver's min(max(16, size/step), max): explicitly requested values from it rarely collide.",
    }),
  },
  { description: 'AllocationSpec describes one allocation range.' },
);

export const AllocationStatus = Type.Object(
  {
    size: Type.String({ description: 'How many values the range can hand out, as a decimal string.' }),
    used: Type.Integer({ description: 'How many values in the range are held.' }),
    free: Type.String({ description: 'size - used, as a decimal string.' }),
    outOfRange: Type.Integer({ description: 'How many held values lie outside the range.' }),
    holders: Type.Array(AllocationHolder, { description: 'Every held value and its holder, in value order.' }),
  },
  { description: 'AllocationStatus is what an allocation range holds now.' },
);

export const Allocation = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ObjectMeta, 'Standard object metadata; the name is service-ip-ipv4, service-ip-ipv6 or node-port.')),
    spec: Described(AllocationSpec, 'The range.'),
    status: Described(AllocationStatus, 'What the range holds.'),
  },
  { description: "Allocation is a read-only view of one of svcplane's allocators: a service CIDR of one family, or the node port range." },
);
export type Allocation = Static<typeof Allocation>;

export const AllocationList = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata.')),
    items: Type.Array(Allocation, { description: 'The allocation ranges.' }),
  },
  { description: 'AllocationList is the list of allocation ranges.' },
);

export const allocationDefinitions = {
  'dev.svcplane.v1alpha1.AllocationHolder': AllocationHolder,
  'dev.svcplane.v1alpha1.AllocationSpec': AllocationSpec,
  'dev.svcplane.v1alpha1.AllocationStatus': AllocationStatus,
  'dev.svcplane.v1alpha1.Allocation': Allocation,
  'dev.svcplane.v1alpha1.AllocationList': AllocationList,
};
