// The allocation hook kube-apiserver runs before validation (pkg/registry/core/service/storage/
// alloc.go): IP family fields, cluster IPs, node ports and the health-check node port. It runs
// inside the write transaction, so a later failure (validation, a name clash) rolls the
// allocations back with the object.
import { AllocationError, type Owner } from '../allocators/bandedAllocator.js';
import { canonicalIP, familyOfIP, type IPFamily } from '../allocators/ipRange.js';
import type { NodePortAllocator } from '../allocators/nodePortAllocator.js';
import { serviceIPPool, type ServiceIPAllocator } from '../allocators/serviceIPAllocator.js';
import type { Service } from '../model/service.js';
import type { WriteTx } from '../storage/objectStore.js';
import { internalError, invalid, type StatusError } from './errors.js';
import { needsClusterIP, needsHealthCheckNodePort, needsNodePort, serviceNodePorts } from './serviceStrategy.js';
import { invalid as invalidField, type FieldError } from './validation/fieldErrors.js';
import { initIPFamilyFields, isMatchingPreferDualStack, type ServiceValidationContext } from './validation/service.js';

export class ServiceAllocation {
  private readonly byFamily: Map<IPFamily, ServiceIPAllocator>;
  readonly context: ServiceValidationContext;

  /** `ips` holds one allocator per configured family, the primary (default) family first. */
  constructor(
    ips: readonly ServiceIPAllocator[],
    private readonly ports: NodePortAllocator,
  ) {
    this.byFamily = new Map(ips.map((a) => [a.family, a]));
    this.context = { clusterFamilies: ips.map((a) => a.family) };
  }

  private fail(svc: Service, errs: FieldError[]): StatusError {
    return invalid('Service', svc.metadata?.name ?? '', errs);
  }

  /** initIPFamilyFields (a port of alloc.go): defaults ipFamilyPolicy/ipFamilies, checks what this cluster serves. */
  initIPFamilyFields(svc: Service, old: Service | undefined): void {
    const errs = initIPFamilyFields(svc, old, this.context);
    if (errs.length) throw this.fail(svc, errs);
  }

  /**
   * allocClusterIPs: one IP per entry of spec.ipFamilies from `from` on (1 when upgrading a
   * single-stack service), either the one requested at the same index or a free one.
   */
  private async allocateClusterIPs(tx: WriteTx, svc: Service, owner: Owner, from = 0): Promise<void> {
    const spec = svc.spec!;
    if (spec.clusterIP === 'None' || spec.clusterIPs?.[0] === 'None') return;
    const families = (spec.ipFamilies ?? []) as IPFamily[];
    const ips = [...(spec.clusterIPs ?? [])];
    for (let i = from; i < families.length; i++) {
      // initIPFamilyFields has already refused families this cluster does not serve.
      const allocator = this.byFamily.get(families[i])!;
      const ip = ips[i];
      if (!ip) {
        try {
          ips[i] = await allocator.allocateNext(tx, owner);
        } catch (err) {
          throw err instanceof AllocationError ? internalError(`failed to allocate a serviceIP: ${err.message}`) : err;
        }
      } else {
        try {
          await allocator.allocate(tx, ip, owner);
        } catch (err) {
          if (!(err instanceof AllocationError)) throw err;
          throw this.fail(svc, [invalidField('spec.clusterIPs', spec.clusterIPs, `failed to allocate IP ${ip}: ${err.message}`)]);
        }
      }
    }
    spec.clusterIPs = ips.slice(0, families.length);
    spec.clusterIP = spec.clusterIPs[0];
  }

  /**
   * Frees a cluster IP from its family's pool. The family may no longer be configured (the
   * cluster went back to single-stack): the row is still dropped, so nothing leaks.
   */
  private async releaseIP(tx: WriteTx, ip: string, owner: Owner): Promise<void> {
    if (!ip || ip === 'None') return;
    const family = familyOfIP(ip);
    if (!family) return;
    const allocator = this.byFamily.get(family);
    if (allocator) await allocator.release(tx, ip, owner);
    else await tx.release(serviceIPPool(family), canonicalIP(ip), owner.uid);
  }

  /**
   * updateClusterIPs (alloc.go): allocate all when leaving ExternalName, release all when
   * entering it, allocate the secondary on a dual-stack upgrade, release it on a downgrade.
   */
  private async updateClusterIPs(tx: WriteTx, svc: Service, old: Service, owner: Owner): Promise<void> {
    const spec = svc.spec!;
    const oldSpec = old.spec ?? {};
    if (isMatchingPreferDualStack(svc, old)) return;
    if (!needsClusterIP(old) && needsClusterIP(svc)) {
      await this.allocateClusterIPs(tx, svc, owner);
      return;
    }
    if (oldSpec.clusterIPs?.[0] === 'None') return;
    if (needsClusterIP(old) && !needsClusterIP(svc)) {
      for (const ip of oldSpec.clusterIPs ?? []) await this.releaseIP(tx, ip, owner);
      return;
    }
    if (!needsClusterIP(svc)) return;
    const oldFamilies = oldSpec.ipFamilies?.length ?? 0;
    const newFamilies = spec.ipFamilies?.length ?? 0;
    if (oldFamilies === 1 && newFamilies === 2) {
      await this.allocateClusterIPs(tx, svc, owner, 1);
    } else if (oldFamilies === 2 && newFamilies === 1) {
      // initIPFamilyFields has already trimmed spec.clusterIPs to the primary.
      await this.releaseIP(tx, oldSpec.clusterIPs?.[1] ?? '', owner);
    }
  }

  private async allocateNodePort(tx: WriteTx, svc: Service, index: number, port: number, owner: Owner): Promise<void> {
    try {
      await this.ports.allocate(tx, port, owner);
    } catch (err) {
      if (!(err instanceof AllocationError)) throw err;
      throw this.fail(svc, [invalidField(`spec.ports[${index}].nodePort`, port, err.message)]);
    }
  }

  private async allocateNextNodePort(tx: WriteTx, owner: Owner): Promise<number> {
    try {
      return await this.ports.allocateNext(tx, owner);
    } catch (err) {
      throw err instanceof AllocationError ? internalError(`failed to allocate a nodePort: ${err.message}`) : err;
    }
  }

  private shouldAllocateNodePorts(svc: Service): boolean {
    return svc.spec?.type === 'NodePort' || (svc.spec?.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
  }

  /** initNodePorts: ports sharing a port number (53/TCP, 53/UDP) share one node port. */
  private async initNodePorts(tx: WriteTx, svc: Service, owner: Owner): Promise<void> {
    const ports = svc.spec?.ports ?? [];
    const byPort = new Map<number, number>();
    for (const [i, p] of ports.entries()) {
      if (!p.nodePort && !this.shouldAllocateNodePorts(svc)) continue;
      const shared = byPort.get(p.port);
      if (shared === undefined) {
        const requested = ports.find((q) => q.port === p.port && q.nodePort)?.nodePort;
        if (requested) {
          await this.allocateNodePort(tx, svc, i, requested, owner);
          p.nodePort = requested;
        } else {
          p.nodePort = await this.allocateNextNodePort(tx, owner);
        }
        byPort.set(p.port, p.nodePort);
      } else if (p.nodePort !== shared) {
        if (!p.nodePort) p.nodePort = shared;
        else await this.allocateNodePort(tx, svc, i, p.nodePort, owner);
      }
    }
  }

  private async allocateHealthCheckNodePort(tx: WriteTx, svc: Service, owner: Owner): Promise<void> {
    const spec = svc.spec!;
    const requested = spec.healthCheckNodePort;
    try {
      if (requested) await this.ports.allocate(tx, requested, owner);
      else spec.healthCheckNodePort = await this.ports.allocateNext(tx, owner);
    } catch (err) {
      if (!(err instanceof AllocationError)) throw err;
      throw internalError(
        requested
          ? `failed to allocate requested HealthCheck NodePort ${requested}: ${err.message}`
          : `failed to allocate a HealthCheck NodePort 0: ${err.message}`,
      );
    }
  }

  async allocateCreate(tx: WriteTx, svc: Service, owner: Owner): Promise<void> {
    this.initIPFamilyFields(svc, undefined);
    if (needsClusterIP(svc)) await this.allocateClusterIPs(tx, svc, owner);
    if (needsNodePort(svc)) await this.initNodePorts(tx, svc, owner);
    if (needsHealthCheckNodePort(svc)) await this.allocateHealthCheckNodePort(tx, svc, owner);
  }

  async allocateUpdate(tx: WriteTx, svc: Service, old: Service, owner: Owner): Promise<void> {
    this.initIPFamilyFields(svc, old);
    const oldSpec = old.spec ?? {};
    await this.updateClusterIPs(tx, svc, old, owner);
    // Node ports.
    if (needsNodePort(old) && !needsNodePort(svc)) {
      for (const port of serviceNodePorts(old)) await this.ports.release(tx, port, owner);
    }
    if (needsNodePort(svc)) await this.updateNodePorts(tx, svc, old, owner);
    // Health-check node port.
    const needed = needsHealthCheckNodePort(old);
    const needs = needsHealthCheckNodePort(svc);
    if (!needed && needs) await this.allocateHealthCheckNodePort(tx, svc, owner);
    else if (needed && !needs && oldSpec.healthCheckNodePort) await this.ports.release(tx, oldSpec.healthCheckNodePort, owner);
  }

  /** updateNodePorts: new explicit values are reserved, missing ones allocated, dropped ones released. */
  private async updateNodePorts(tx: WriteTx, svc: Service, old: Service, owner: Owner): Promise<void> {
    const oldPorts = needsNodePort(old) ? serviceNodePorts(old) : [];
    const taken = new Set<number>();
    const seen = new Set<string>();
    for (const [i, p] of (svc.spec?.ports ?? []).entries()) {
      if (!p.nodePort && !this.shouldAllocateNodePorts(svc)) continue;
      if (p.nodePort) {
        if (!oldPorts.includes(p.nodePort) && !taken.has(p.nodePort)) {
          await this.allocateNodePort(tx, svc, i, p.nodePort, owner);
          taken.add(p.nodePort);
        }
      } else {
        p.nodePort = await this.allocateNextNodePort(tx, owner);
      }
      const key = `${p.protocol}/${p.nodePort}`;
      if (seen.has(key)) {
        // kube-apiserver answers this with a bare 500; the same pair twice is bad input, so it is
        // reported as the Duplicate that validation would give.
        throw this.fail(svc, [{ type: 'FieldValueDuplicate', field: `spec.ports[${i}].nodePort`, value: p.nodePort, detail: '' }]);
      }
      seen.add(key);
    }
    const kept = new Set(serviceNodePorts(svc));
    for (const port of oldPorts) if (!kept.has(port)) await this.ports.release(tx, port, owner);
  }

  /** Everything the service holds, released when the deletion commits. */
  async releaseAll(tx: WriteTx, svc: Service, owner: Owner): Promise<void> {
    const spec = svc.spec ?? {};
    if (needsClusterIP(svc)) for (const ip of spec.clusterIPs ?? []) await this.releaseIP(tx, ip, owner);
    for (const port of serviceNodePorts(svc)) await this.ports.release(tx, port, owner);
    if (spec.healthCheckNodePort) await this.ports.release(tx, spec.healthCheckNodePort, owner);
  }
}
