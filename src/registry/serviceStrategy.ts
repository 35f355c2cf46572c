// What kube-apiserver's service REST storage and strategy do to an object between decoding and
// validation (pkg/registry/core/service/strategy.go and storage/storage.go). Pure functions
// over plain objects: no HTTP, no SQL.
import type { Service, ServicePort } from '../model/service.js';
import { externallyAccessible } from './defaults.js';

export const needsClusterIP = (svc: Service) => svc.spec?.type !== 'ExternalName';
export const needsNodePort = (svc: Service) => svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
export const needsHealthCheckNodePort = (svc: Service) => svc.spec?.type === 'LoadBalancer' && svc.spec?.externalTrafficPolicy === 'Local';
export const isHeadless = (svc: Service) => svc.spec?.clusterIP === 'None';

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined) =>
  (a?.length ?? 0) === (b?.length ?? 0) && (a ?? []).every((v, i) => v === b?.[i]);

/** Node port numbers a service holds, each once (ports sharing a number share a node port). */
export function serviceNodePorts(svc: Service): number[] {
  const set = new Set<number>();
  for (const p of svc.spec?.ports ?? []) if (p.nodePort) set.add(p.nodePort);
  return [...set];
}

/**
 * patchAllocatedValues: a client re-sending its original manifest (no clusterIP, no nodePort)
 * keeps what was allocated instead of asking for new values.
 */
export function patchAllocatedValues(svc: Service, old: Service): void {
  const spec = (svc.spec ??= {});
  const oldSpec = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs?.length && oldSpec.clusterIPs?.length) spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const newPorts = new Set(serviceNodePorts(svc));
    const used = new Set(serviceNodePorts(old).filter((p) => newPorts.has(p)));
    const byName = new Map<string, number>();
    for (const p of oldSpec.ports ?? []) byName.set(p.name ?? '', p.nodePort ?? 0);
    for (const p of spec.ports ?? []) {
      if (!p.nodePort) {
        const oldValue = byName.get(p.name ?? '') ?? 0;
        if (oldValue && !used.has(oldValue)) p.nodePort = oldValue;
      }
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(svc) && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

/** normalizeClusterIPs: keep clusterIP and clusterIPs in step for clients that send only one. */
export function normalizeClusterIPs(svc: Service, old: Service | undefined): void {
  const spec = (svc.spec ??= {});
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const oldSpec = old.spec ?? {};
  if (oldSpec.clusterIPs?.length && !spec.clusterIPs?.length && (oldSpec.clusterIP ?? '') === (spec.clusterIP ?? '')) {
    spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if ((oldSpec.clusterIP ?? '') !== (spec.clusterIP ?? '')) {
    const same = sameList(oldSpec.clusterIPs, spec.clusterIPs);
    if (oldSpec.clusterIP && !spec.clusterIP) {
      if (same) delete spec.clusterIPs;
    } else if (same) {
      spec.clusterIPs = [spec.clusterIP ?? ''];
    }
  }
}

function sameNodePorts(a: ServicePort[] | undefined, b: ServicePort[] | undefined): boolean {
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  return (a ?? []).every((p, i) => (p.nodePort ?? 0) === (b?.[i]?.nodePort ?? 0));
}

/**
 * dropTypeDependentFields: on a type change, wipe what the new type cannot hold, but only where
 * the client left the old value alone (a deliberate new value must still fail validation).
 */
export function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = (svc.spec ??= {});
  const oldSpec = old.spec ?? {};
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if ((oldSpec.clusterIP ?? '') === (spec.clusterIP ?? '') && sameList(oldSpec.clusterIPs, spec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(oldSpec.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (oldSpec.ipFamilyPolicy === spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(svc) && sameNodePorts(oldSpec.ports, spec.ports)) {
    for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(svc) && (oldSpec.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)) {
    delete spec.healthCheckNodePort;
  }
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined && oldSpec.allocateLoadBalancerNodePorts === spec.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (spec.loadBalancerClass !== undefined && oldSpec.loadBalancerClass === spec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(svc) && oldSpec.externalTrafficPolicy === spec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (spec.type !== 'LoadBalancer') svc.status = { ...(svc.status ?? {}), loadBalancer: {} };
}
