// io.k8s.api.coordination.v1 Lease, in the field order of k8s.io/api/coordination/v1/types.go:
// what client-go's leader election (resourcelock.LeaseLock) reads and writes, and what our own
// replicas elect their controllers' leader with.
import { Type, type Static } from 'typebox';
import { apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';

const MicroTime = (description: string) => Type.String({ format: 'date-time', description });

export const LeaseSpec = Type.Object(
  {
    holderIdentity: Type.Optional(Type.String({ description: 'holderIdentity contains the identity of the holder of a current lease.' })),
    leaseDurationSeconds: Type.Optional(
      Type.Integer({
        description:
          'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.',
      }),
    ),
    acquireTime: Type.Optional(MicroTime('acquireTime is a time when the current lease was acquired.')),
    renewTime: Type.Optional(MicroTime('renewTime is a time when the current holder of a lease has last updated the lease.')),
    leaseTransitions: Type.Optional(Type.Integer({ description: 'leaseTransitions is the number of transitions of a lease between holders.' })),
    strategy: Type.Optional(
      Type.String({
        description:
          'Strategy indicates the strategy for picking the leader for coordinated leader election. If the field is not specified, there is no active coordination for this lease.',
      }),
    ),
    preferredHolder: Type.Optional(
      Type.String({
        description:
          'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up. This field can only be set if Strategy is also set.',
      }),
    ),
  },
  { description: 'LeaseSpec is a specification of a Lease.' },
);
protobuf(LeaseSpec, 'k8s.io.api.coordination.v1.LeaseSpec', {
  holderIdentity: [1, 'pointer'],
  leaseDurationSeconds: [2, 'pointer', 'int32'],
  acquireTime: [3, 'pointer', 'micro'],
  renewTime: [4, 'pointer', 'micro'],
  leaseTransitions: [5, 'pointer', 'int32'],
  strategy: [6, 'pointer'],
  preferredHolder: [7, 'pointer'],
});
export type LeaseSpec = Static<typeof LeaseSpec>;

export const Lease = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(ObjectMeta),
    spec: Type.Optional(LeaseSpec),
  },
  { description: 'Lease defines a lease concept.' },
);
protobuf(Lease, 'k8s.io.api.coordination.v1.Lease', { metadata: 1, spec: 2 });
export type Lease = Static<typeof Lease>;

export const LeaseList = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(ListMeta),
    items: Type.Array(Lease, { description: 'items is a list of schema objects.' }),
  },
  { description: 'LeaseList is a list of Lease objects.' },
);
