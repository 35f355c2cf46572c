// io.k8s.api.core.v1 Service and its parts. Enumerations are declared as unions so that SDKs
// generated from the OpenAPI document get precise types; the request decoder relaxes them to
// strings (see api/decoding.ts) because kube-apiserver reports a bad enum value as a 422 field
// error from validation, not as a decoding failure.
import { Type, type Static } from 'typebox';
import { ListMeta, ObjectMeta } from './meta.js';

function Enum<const T extends readonly string[]>(values: T, description: string) {
  return Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), { description }));
}

export const ServiceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
export const Protocols = ['SCTP', 'TCP', 'UDP'] as const;

export const ServicePort = Type.Object({
  name: Type.Optional(Type.String({ description: 'The name of this port within the service; a DNS-1123 label, required when there is more than one port.' })),
  protocol: Type.Optional(Enum(['TCP', 'UDP', 'SCTP'], 'The IP protocol for this port. Defaults to TCP.')),
  appProtocol: Type.Optional(Type.String({ description: 'The application protocol for this port, e.g. http or kubernetes.io/h2c.' })),
  port: Type.Integer({ description: 'The port that will be exposed by this service.' }),
  targetPort: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: 'Number or name of the port to access on the pods targeted by the service. Defaults to port.', format: 'int-or-string' })),
  nodePort: Type.Optional(Type.Integer({ description: 'The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Allocated by the system when unset.' })),
}, { description: "ServicePort contains information on service's port." });
export type ServicePort = Static<typeof ServicePort>;

export const ClientIPConfig = Type.Object({
  timeoutSeconds: Type.Optional(Type.Integer({ description: 'Seconds of ClientIP session stickiness, 1 to 86400. Defaults to 10800.' })),
}, { description: 'ClientIPConfig represents the configurations of Client IP based session affinity.' });

export const SessionAffinityConfig = Type.Object({
  clientIP: Type.Optional(ClientIPConfig),
}, { description: 'SessionAffinityConfig represents the configurations of session affinity.' });

export const ServiceSpec = Type.Object({
  ports: Type.Optional(Type.Array(ServicePort, {
    description: 'The list of ports that are exposed by this service.',
    'x-kubernetes-list-map-keys': ['port', 'protocol'], 'x-kubernetes-list-type': 'map',
    'x-kubernetes-patch-merge-key': 'port', 'x-kubernetes-patch-strategy': 'merge',
  })),
  selector: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Route service traffic to pods with label keys and values matching this selector.', 'x-kubernetes-map-type': 'atomic' })),
  clusterIP: Type.Optional(Type.String({ description: 'The IP address of the service, usually assigned randomly; "None" makes a headless service. Immutable once set.' })),
  clusterIPs: Type.Optional(Type.Array(Type.String(), { description: 'The IP addresses of the service, one per IP family; clusterIPs[0] equals clusterIP.', 'x-kubernetes-list-type': 'atomic' })),
  type: Type.Optional(Enum(['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], 'How the Service is exposed. Defaults to ClusterIP.')),
  externalIPs: Type.Optional(Type.Array(Type.String(), { description: 'IP addresses for which nodes in the cluster will also accept traffic for this service.', 'x-kubernetes-list-type': 'atomic' })),
  sessionAffinity: Type.Optional(Enum(['ClientIP', 'None'], 'ClientIP enables client IP based session affinity. Defaults to None.')),
  loadBalancerIP: Type.Optional(Type.String({ description: 'Deprecated: the IP to request from the load balancer implementation.' })),
  loadBalancerSourceRanges: Type.Optional(Type.Array(Type.String(), { description: 'CIDRs allowed to reach a cloud load balancer.', 'x-kubernetes-list-type': 'atomic' })),
  externalName: Type.Optional(Type.String({ description: 'The DNS name this ExternalName service aliases (a CNAME).' })),
  externalTrafficPolicy: Type.Optional(Enum(['Cluster', 'Local'], 'How nodes distribute traffic received on external addresses.')),
  healthCheckNodePort: Type.Optional(Type.Integer({ description: 'The health check node port, for LoadBalancer services with externalTrafficPolicy Local.' })),
  publishNotReadyAddresses: Type.Optional(Type.Boolean({ description: 'Publish endpoints of pods that are not ready.' })),
  sessionAffinityConfig: Type.Optional(SessionAffinityConfig),
  ipFamilies: Type.Optional(Type.Array(Enum(['IPv4', 'IPv6'], 'An IP family.'), { description: 'The IP families assigned to this service.', 'x-kubernetes-list-type': 'atomic' })),
  ipFamilyPolicy: Type.Optional(Enum(['SingleStack', 'PreferDualStack', 'RequireDualStack'], 'The dual-stack-ness requested or required by this Service.')),
  allocateLoadBalancerNodePorts: Type.Optional(Type.Boolean({ description: 'Whether NodePorts are allocated for a LoadBalancer service. Defaults to true.' })),
  loadBalancerClass: Type.Optional(Type.String({ description: 'The class of the load balancer implementation this Service belongs to.' })),
  internalTrafficPolicy: Type.Optional(Enum(['Cluster', 'Local'], 'How nodes distribute traffic received on the ClusterIP.')),
  trafficDistribution: Type.Optional(Type.String({ description: 'A preference for how traffic is distributed to endpoints, e.g. PreferClose.' })),
}, { description: 'ServiceSpec describes the attributes that a user creates on a service.' });
export type ServiceSpec = Static<typeof ServiceSpec>;

export const PortStatus = Type.Object({
  port: Type.Integer(),
  protocol: Enum(['TCP', 'UDP', 'SCTP'], 'The protocol of the service port.'),
  error: Type.Optional(Type.String()),
}, { description: 'PortStatus represents the error condition of a service port.' });

export const LoadBalancerIngress = Type.Object({
  ip: Type.Optional(Type.String({ description: 'An IP of the load balancer.' })),
  hostname: Type.Optional(Type.String({ description: 'A DNS name of the load balancer.' })),
  ipMode: Type.Optional(Enum(['VIP', 'Proxy'], 'How the load balancer IP behaves.')),
  ports: Type.Optional(Type.Array(PortStatus)),
}, { description: 'LoadBalancerIngress represents the status of a load-balancer ingress point.' });

export const LoadBalancerStatus = Type.Object({
  ingress: Type.Optional(Type.Array(LoadBalancerIngress, { description: 'Ingress points of the load balancer.', 'x-kubernetes-list-type': 'atomic' })),
}, { description: 'LoadBalancerStatus represents the status of a load-balancer.' });

export const Condition = Type.Object({
  type: Type.String(),
  status: Type.String(),
  observedGeneration: Type.Optional(Type.Integer()),
  lastTransitionTime: Type.String(),
  reason: Type.String(),
  message: Type.String(),
}, { description: 'Condition contains details for one aspect of the current state of this API Resource.' });

export const ServiceStatus = Type.Object({
  loadBalancer: Type.Optional(LoadBalancerStatus),
  conditions: Type.Optional(Type.Array(Condition, {
    description: 'Current service state.',
    'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map',
    'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-patch-strategy': 'merge',
  })),
}, { description: 'ServiceStatus represents the current status of a service.' });
export type ServiceStatus = Static<typeof ServiceStatus>;

export const Service = Type.Object({
  kind: Type.Optional(Type.String({ description: 'Service' })),
  apiVersion: Type.Optional(Type.String({ description: 'v1' })),
  metadata: Type.Optional(ObjectMeta),
  spec: Type.Optional(ServiceSpec),
  status: Type.Optional(ServiceStatus),
}, { description: 'Service is a named abstraction of software service (for example, mysql) consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.' });
export type Service = Static<typeof Service>;

export const ServiceList = Type.Object({
  kind: Type.Optional(Type.String()),
  apiVersion: Type.Optional(Type.String()),
  metadata: Type.Optional(ListMeta),
  items: Type.Array(Service),
}, { description: 'ServiceList holds a list of services.' });
export type ServiceList = Static<typeof ServiceList>;
