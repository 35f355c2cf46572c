// What the service controller needs from a cloud: the shape of Kubernetes' cloudprovider
// LoadBalancer interface (k8s.io/cloud-provider, cloud.go), cut down to what an emulator uses.
// The controller depends on this file only, so a different fake (or a recording one in a test)
// is a sibling of fakeCloud.ts.
import type { Static } from 'typebox';
import type { LoadBalancerIngress as LoadBalancerIngressSchema, Protocols } from '../model/service.js';

export const cloudProfiles = ['aws', 'gcp', 'azure', 'metallb'] as const;
export type CloudProfile = (typeof cloudProfiles)[number];

/** The core/v1 status shape, so a result goes into status.loadBalancer.ingress as it is. */
export type LoadBalancerIngress = Static<typeof LoadBalancerIngressSchema>;

export type Protocol = (typeof Protocols)[number];

/** A Service port as the request carries it. */
export interface LoadBalancerPort {
  name?: string;
  protocol: string;
  port: number;
  nodePort?: number;
}

/** A port the load balancer forwards: a checked LoadBalancerPort, without empty fields. */
export interface Listener {
  name?: string;
  protocol: Protocol;
  port: number;
  nodePort?: number;
}

/** The parts of a Service a cloud provider looks at. */
export interface LoadBalancerRequest {
  uid: string;
  namespace: string;
  name: string;
  annotations: Record<string, string>;
  /** spec.loadBalancerIP; empty or undefined when not requested. */
  loadBalancerIP?: string;
  ports: LoadBalancerPort[];
}

export interface EnsureResult {
  ingress: LoadBalancerIngress[];
  /** What the call did; 'unchanged' returns at once, so a controller may call on every sync. */
  action: 'created' | 'updated' | 'unchanged';
}

/** A load balancer as the cloud stores it. */
export interface LoadBalancer {
  uid: string;
  namespace: string;
  name: string;
  /** The cloud's own name for it: "a" + the uid without dashes, cut to 32 characters. */
  cloudName: string;
  profile: CloudProfile;
  addressKind: 'hostname' | 'ip';
  address: string;
  ports: Listener[];
  ingress: LoadBalancerIngress[];
  createdAt: string;
  updatedAt: string;
}

export interface CloudProvider {
  readonly profile: CloudProfile;
  /** Creates or updates the load balancer for a Service; rejects with CloudError. */
  ensureLoadBalancer(request: LoadBalancerRequest): Promise<EnsureResult>;
  /** Removes a Service's load balancer; false when it had none. */
  deleteLoadBalancer(uid: string): Promise<boolean>;
  getLoadBalancer(uid: string): Promise<LoadBalancer | undefined>;
  /** Every load balancer, ordered by namespace then name. */
  listLoadBalancers(): Promise<LoadBalancer[]>;
  /** Settles every pending operation (they reject with reason ShuttingDown) and refuses new ones. */
  close(): Promise<void>;
}

export type CloudErrorReason = 'InjectedFailure' | 'IPAlreadyAllocated' | 'IPNotInPool' | 'InvalidIP' | 'PoolExhausted' | 'Unsupported' | 'ShuttingDown';

/**
 * A refusal from the cloud API. The message reads as the tail of the service controller's
 * event, "Error syncing load balancer: failed to ensure load balancer: <message>".
 */
export class CloudError extends Error {
  override readonly name = 'CloudError';
  constructor(
    readonly reason: CloudErrorReason,
    message: string,
  ) {
    super(message);
  }
}
