// io.k8s.api.core.v1 Service and its parts. Enumerations are plain strings with an `enum`, as
// Kubernetes' document writes them (kubectl explain prints the values); the request decoder
// drops the enums (see api/decoding.ts) because kube-apiserver reports a bad enum value as a 422
// field error from validation, not as a decoding failure. The descriptions are ours; they are
// what `kubectl explain service...` prints.
import { Type, type Static } from 'typebox';
import { Described, Enum, IntOrString, apiVersionField, kindField } from './fieldTypes.js';
import { ListMeta, ObjectMeta } from './meta.js';
import { protobuf } from './protobuf.js';

export const ServiceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
export const Protocols = ['SCTP', 'TCP', 'UDP'] as const;

export const ServicePort = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        description:
          'The name of this port within the Service, a DNS label (lowercase letters, digits and dashes). Required, and unique, when the Service has more than one port; it is what EndpointSlice ports are matched by.',
      }),
    ),
    protocol: Type.Optional(Enum(Protocols, 'The IP protocol of this port: TCP (the default), UDP or SCTP.')),
    appProtocol: Type.Optional(
      Type.String({
        description:
          'A hint to implementations about the application protocol spoken on this port: an IANA service name such as http or https, a kubernetes.io name (kubernetes.io/h2c, kubernetes.io/ws, kubernetes.io/wss), or a domain-prefixed name of your own.',
      }),
    ),
    port: Type.Integer({ description: 'The port number this Service listens on, 1 to 65535.' }),
    targetPort: Type.Optional(
      Described(
        IntOrString,
        "The port on the selected pods that traffic is forwarded to: a number from 1 to 65535, or the name of a port declared by the pods' containers. Defaults to the value of port. Has no effect on a Service without a selector.",
      ),
    ),
    nodePort: Type.Optional(
      Type.Integer({
        description:
          'For type NodePort and LoadBalancer: the port opened on every node that forwards to this Service port. Taken from the node port range (30000-32767 by default) when not set; a value outside the range, or one another Service holds, is refused. Removed when the type changes to one that needs no node port.',
      }),
    ),
  },
  { description: 'ServicePort is one port a Service exposes, and where on the selected pods its traffic goes.' },
);
protobuf(ServicePort, 'k8s.io.api.core.v1.ServicePort', {
  name: 1,
  protocol: 2,
  appProtocol: [6, 'pointer'],
  port: [3, 'required', 'int32'],
  targetPort: 4,
  nodePort: [5, 'int32'],
});
export type ServicePort = Static<typeof ServicePort>;

export const ClientIPConfig = Type.Object(
  {
    timeoutSeconds: Type.Optional(
      Type.Integer({
        description: 'How long, in seconds, connections from one client IP keep going to the same pod: 1 to 86400. Defaults to 10800 (three hours).',
      }),
    ),
  },
  { description: 'ClientIPConfig holds the settings of client-IP session affinity.' },
);
protobuf(ClientIPConfig, 'k8s.io.api.core.v1.ClientIPConfig', { timeoutSeconds: [1, 'pointer', 'int32'] });

export const SessionAffinityConfig = Type.Object(
  {
    clientIP: Type.Optional(Described(ClientIPConfig, 'Settings for sessionAffinity ClientIP.')),
  },
  { description: 'SessionAffinityConfig holds the settings of session affinity.' },
);
protobuf(SessionAffinityConfig, 'k8s.io.api.core.v1.SessionAffinityConfig', { clientIP: [1, 'pointer'] });

export const ServiceSpec = Type.Object(
  {
    ports: Type.Optional(
      Type.Array(ServicePort, {
        description: 'The ports this Service exposes. Entries are identified by port and protocol; with more than one entry each needs a unique name.',
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'port',
        'x-kubernetes-patch-strategy': 'merge',
      }),
    ),
    selector: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description:
          "Label keys and values of the pods this Service sends traffic to. Without a selector the Service's endpoints are left to someone else to manage (by hand or by another controller). Ignored for type ExternalName.",
        'x-kubernetes-map-type': 'atomic',
      }),
    ),
    clusterIP: Type.Optional(
      Type.String({
        description:
          'The virtual IP address of the Service inside the cluster, normally allocated at random from the service CIDR. Set it to a free address in that range to choose one, or to "None" for a headless Service: no virtual IP, and DNS answers with the addresses of the selected pods. Cannot be changed once set, except by changing the type to or from ExternalName. Not used by ExternalName Services.',
      }),
    ),
    clusterIPs: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Every cluster IP address of the Service, at most one per IP family, in the order of ipFamilies; clusterIPs[0] is always the same as clusterIP. Follows the same rules as clusterIP.',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    type: Type.Optional(
      Enum(
        ServiceTypes,
        'How the Service is exposed. ClusterIP (the default) gives it a virtual IP reachable inside the cluster. NodePort also opens a port on every node that forwards to it. LoadBalancer also asks the cloud provider for an external load balancer in front of those node ports. ExternalName makes the Service a DNS alias (CNAME) of spec.externalName, with no virtual IP and no proxying.',
      ),
    ),
    externalIPs: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "IP addresses that Kubernetes does not manage but on which the cluster's nodes also accept traffic for this Service, for example the address of an external load balancer.",
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    sessionAffinity: Type.Optional(
      Enum(
        ['ClientIP', 'None'] as const,
        'ClientIP sends every connection from one client IP to the same pod, for the time set in sessionAffinityConfig; None (the default) balances each connection on its own.',
      ),
    ),
    loadBalancerIP: Type.Optional(
      Type.String({
        description:
          'Deprecated: an address to ask the load balancer implementation for, with type LoadBalancer. Implementations may ignore it; most have their own annotation for this instead.',
      }),
    ),
    loadBalancerSourceRanges: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'With type LoadBalancer, on providers that support it: the client address ranges (CIDRs) the load balancer lets through. Ignored otherwise.',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    externalName: Type.Optional(
      Type.String({
        description: 'For type ExternalName: the DNS name (a lowercase RFC 1123 host name) that cluster DNS returns as a CNAME record for this Service.',
      }),
    ),
    externalTrafficPolicy: Type.Optional(
      Enum(
        ['Cluster', 'Local'] as const,
        "How traffic arriving at a node port, load balancer or external IP is routed. Cluster (the default) may forward it to a ready pod on any node. Local only uses pods on the node that received it, which keeps the client's source address, and drops the traffic where that node has none.",
      ),
    ),
    healthCheckNodePort: Type.Optional(
      Type.Integer({
        description:
          "For type LoadBalancer with externalTrafficPolicy Local: the node port on which every node answers the load balancer's health checks, so that it only sends traffic to nodes with ready pods. Allocated when not set.",
      }),
    ),
    publishNotReadyAddresses: Type.Optional(
      Type.Boolean({
        description:
          'When true, DNS records and endpoints include the selected pods that are not ready yet, for workloads whose members have to find each other before they are ready (StatefulSet peers, for example).',
      }),
    ),
    sessionAffinityConfig: Type.Optional(Described(SessionAffinityConfig, 'Settings for session affinity, used when sessionAffinity is ClientIP.')),
    ipFamilies: Type.Optional(
      Type.Array(Enum(['IPv4', 'IPv6'] as const, 'An IP family: IPv4 or IPv6.'), {
        description:
          "The IP families (IPv4, IPv6) of the Service's cluster IPs, in order. When not given the server chooses them from ipFamilyPolicy and the families the cluster is configured with. The first family can never change; a second can be added or removed.",
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    ipFamilyPolicy: Type.Optional(
      Enum(
        ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const,
        'How many IP families the Service wants: SingleStack (one), PreferDualStack (two where the cluster has two, otherwise one) or RequireDualStack (two, or the request fails). Set by the server when not given.',
      ),
    ),
    allocateLoadBalancerNodePorts: Type.Optional(
      Type.Boolean({
        description:
          'For type LoadBalancer: whether node ports are allocated. Defaults to true; set it to false for load balancers that send traffic to pods directly. Ports that already have a node port keep it.',
      }),
    ),
    loadBalancerClass: Type.Optional(
      Type.String({
        description:
          "For type LoadBalancer: which load balancer implementation handles this Service, as a label-style name such as example.com/internal-vip. When unset the cloud provider's own implementation does. Cannot be changed once set.",
      }),
    ),
    internalTrafficPolicy: Type.Optional(
      Enum(
        ['Cluster', 'Local'] as const,
        'How traffic sent to the cluster IP is routed. Cluster (the default) may reach a ready pod on any node; Local only reaches pods on the node the traffic comes from, and is dropped where there are none.',
      ),
    ),
    trafficDistribution: Type.Optional(
      Type.String({
        description:
          "A preference for how traffic is spread over the Service's endpoints, for example PreferClose to favour endpoints that are topologically close to the client. Implementations may ignore it.",
      }),
    ),
  },
  { description: 'ServiceSpec is what a user asks of a Service: its type, ports, selector and addresses.' },
);
protobuf(ServiceSpec, 'k8s.io.api.core.v1.ServiceSpec', {
  ports: 1,
  selector: 2,
  clusterIP: 3,
  clusterIPs: 18,
  type: 4,
  externalIPs: 5,
  sessionAffinity: 7,
  loadBalancerIP: 8,
  loadBalancerSourceRanges: 9,
  externalName: 10,
  externalTrafficPolicy: 11,
  healthCheckNodePort: [12, 'int32'],
  publishNotReadyAddresses: 13,
  sessionAffinityConfig: [14, 'pointer'],
  ipFamilies: 19,
  ipFamilyPolicy: [17, 'pointer'],
  allocateLoadBalancerNodePorts: [20, 'pointer'],
  loadBalancerClass: [21, 'pointer'],
  internalTrafficPolicy: [22, 'pointer'],
  trafficDistribution: [23, 'pointer'],
});
export type ServiceSpec = Static<typeof ServiceSpec>;

export const PortStatus = Type.Object(
  {
    port: Type.Integer({ description: 'The Service port number this status is about.' }),
    protocol: Enum(Protocols, 'The protocol of that port: TCP, UDP or SCTP.'),
    error: Type.Optional(
      Type.String({
        description: 'Why the port does not work, as a CamelCase reason: a well-known one, or one prefixed with a domain. Empty when the port works.',
      }),
    ),
  },
  { description: 'PortStatus reports whether one port of a load balancer works.' },
);
protobuf(PortStatus, 'k8s.io.api.core.v1.PortStatus', { port: [1, 'required', 'int32'], protocol: [2, 'required'], error: [3, 'pointer'] });

export const LoadBalancerIngress = Type.Object(
  {
    ip: Type.Optional(Type.String({ description: 'An IP address of the load balancer, for implementations that give one (GCE, Azure, OpenStack, MetalLB).' })),
    hostname: Type.Optional(Type.String({ description: 'A DNS name of the load balancer, for implementations that give a name instead of an address (AWS).' })),
    ipMode: Type.Optional(
      Enum(
        ['VIP', 'Proxy'] as const,
        "How traffic to ip reaches the nodes: VIP (the default) delivers it with the load balancer's address as destination; Proxy delivers it to the node's own address and port. Only set together with ip.",
      ),
    ),
    ports: Type.Optional(Type.Array(PortStatus, { description: 'The status of each port of this ingress point.', 'x-kubernetes-list-type': 'atomic' })),
  },
  { description: 'LoadBalancerIngress is one address at which a load balancer receives traffic for the Service.' },
);
protobuf(LoadBalancerIngress, 'k8s.io.api.core.v1.LoadBalancerIngress', { ip: 1, hostname: 2, ipMode: [3, 'pointer'], ports: 4 });

export const LoadBalancerStatus = Type.Object(
  {
    ingress: Type.Optional(
      Type.Array(LoadBalancerIngress, {
        description: 'The addresses at which the load balancer receives traffic. Empty while it is being provisioned (kubectl shows <pending>).',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  { description: "LoadBalancerStatus is the state of a Service's load balancer." },
);
protobuf(LoadBalancerStatus, 'k8s.io.api.core.v1.LoadBalancerStatus', { ingress: 1 });

export const Condition = Type.Object(
  {
    type: Type.String({ description: 'The kind of condition, in CamelCase or as domain/CamelCase, for example Ready.' }),
    status: Type.String({ description: 'Whether the condition holds: True, False or Unknown.' }),
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'The metadata.generation the condition was determined from; older than the current generation means it may be stale.' }),
    ),
    lastTransitionTime: Type.String({ format: 'date-time', description: 'When status last changed (RFC 3339).' }),
    reason: Type.String({ description: 'A CamelCase word for why the condition last changed, for programs to act on.' }),
    message: Type.String({ description: 'A human-readable account of the change; may be empty.' }),
  },
  { description: "Condition is one aspect of an object's current state." },
);
protobuf(Condition, 'k8s.io.apimachinery.pkg.apis.meta.v1.Condition', {
  type: [1, 'required'],
  status: [2, 'required'],
  observedGeneration: 3,
  lastTransitionTime: [4, 'required'],
  reason: [5, 'required'],
  message: [6, 'required'],
});

export const ServiceStatus = Type.Object(
  {
    loadBalancer: Type.Optional(Described(LoadBalancerStatus, 'The state of the load balancer, for a Service that has one.')),
    conditions: Type.Optional(
      Type.Array(Condition, {
        description: 'Conditions observed on the Service, at most one of each type.',
        'x-kubernetes-list-map-keys': ['type'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'type',
        'x-kubernetes-patch-strategy': 'merge',
      }),
    ),
  },
  { description: 'ServiceStatus is the observed state of a Service.' },
);
protobuf(ServiceStatus, 'k8s.io.api.core.v1.ServiceStatus', { loadBalancer: 1, conditions: 2 });
export type ServiceStatus = Static<typeof ServiceStatus>;

export const Service = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(
      Described(
        ObjectMeta,
        'Standard object metadata: name, namespace, labels and annotations, and what the server maintains (uid, resourceVersion, creationTimestamp).',
      ),
    ),
    spec: Type.Optional(Described(ServiceSpec, 'What the Service should be: its type, ports, selector and addresses.')),
    status: Type.Optional(
      Described(ServiceStatus, 'What the Service currently is, such as the addresses of its load balancer. Written by the system; clients only read it.'),
    ),
  },
  {
    description:
      'Service gives a set of pods (chosen by a label selector) one stable name and virtual IP address, and spreads the traffic sent to it over those pods. Its type decides whether it is reachable only inside the cluster (ClusterIP), on every node (NodePort), through a cloud load balancer (LoadBalancer), or is a DNS alias of an outside name (ExternalName).',
  },
);
protobuf(Service, 'k8s.io.api.core.v1.Service', { metadata: 1, spec: 2, status: 3 });
export type Service = Static<typeof Service>;

export const ServiceList = Type.Object(
  {
    kind: kindField(),
    apiVersion: apiVersionField(),
    metadata: Type.Optional(Described(ListMeta, 'Standard list metadata: the resourceVersion the list was read at, and the token for the next page.')),
    items: Type.Array(Service, { description: 'The Services.' }),
  },
  { description: 'ServiceList is a list of Services.' },
);
export type ServiceList = Static<typeof ServiceList>;
