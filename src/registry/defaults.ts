// v1 defaulting, as pkg/apis/core/v1/defaults.go. It runs on every decoded body: creates,
// PUT bodies and the results of patches.
import type { Namespace } from '../model/namespace.js';
import type { Service } from '../model/service.js';

export function externallyAccessible(svc: Service): boolean {
  const t = svc.spec?.type;
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec?.externalIPs?.length ?? 0) > 0);
}

export function setServiceDefaults(svc: Service): void {
  const spec = (svc.spec ??= {});
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const port of spec.ports ?? []) {
    if (!port.protocol) port.protocol = 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
    for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
      if (ingress.ip && !ingress.ipMode) ingress.ipMode = 'VIP';
    }
  }
}

export function setNamespaceDefaults(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (name) {
    ns.metadata!.labels = { ...(ns.metadata!.labels ?? {}), 'kubernetes.io/metadata.name': name };
  }
  ns.status ??= {};
  if (!ns.status.phase) ns.status.phase = 'Active';
}
