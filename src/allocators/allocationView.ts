// The read-only Allocation objects (svcplane.dev/v1alpha1): each configured range with its
// size, use and holders, plus any pool left over from an earlier configuration that still
// holds values. Built from the allocations table, which is the truth, and the allocators'
// ranges; nothing here is HTTP.
import type { Allocation } from '../model/allocation.js';
import type { AllocationRow, ObjectStore } from '../storage/objectStore.js';
import { parseIP, type IPFamily } from './ipRange.js';
import { nodePortPool, type NodePortAllocator } from './nodePortAllocator.js';
import type { ServiceIPAllocator } from './serviceIPAllocator.js';

export const allocationGroupVersion = 'svcplane.dev/v1alpha1';

const nameOf = (pool: string) => (pool === nodePortPool ? 'node-port' : `service-ip-${pool.slice('service-ip/'.length).toLowerCase()}`);

function sortKey(pool: string, value: string): bigint {
  if (pool === nodePortPool) return BigInt(Number(value) || 0);
  return parseIP(value)?.n ?? 0n;
}

function holders(rows: AllocationRow[], inRange: (v: string) => boolean) {
  return rows
    .map((r) => ({ key: sortKey(r.pool, r.value), holder: { value: r.value, namespace: r.namespace, name: r.name, uid: r.uid, inRange: inRange(r.value) } }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((h) => h.holder);
}

export class AllocationView {
  constructor(
    private readonly store: ObjectStore,
    private readonly serviceIPs: readonly ServiceIPAllocator[],
    private readonly nodePorts: NodePortAllocator,
    /** When this server started: the objects' creationTimestamp, so that kubectl shows an age. */
    private readonly since: string,
  ) {}

  private async object(pool: string, spec: Allocation['spec'], inRange: (v: string) => boolean, size: bigint): Promise<Allocation> {
    const held = holders(await this.store.allocations(pool), inRange);
    const used = held.filter((h) => h.inRange).length;
    return {
      kind: 'Allocation',
      apiVersion: allocationGroupVersion,
      metadata: { name: nameOf(pool), creationTimestamp: this.since },
      spec,
      status: { size: String(size), used, free: String(size - BigInt(used)), outOfRange: held.length - used, holders: held },
    };
  }

  async list(): Promise<Allocation[]> {
    const items: Allocation[] = [];
    for (const a of this.serviceIPs) {
      items.push(
        await this.object(
          a.pool,
          { type: 'ClusterIP', ipFamily: a.family, range: a.range.cidr, staticBandSize: a.staticBand },
          (v) => a.range.contains(v),
          a.range.size,
        ),
      );
    }
    const configured = new Set(this.serviceIPs.map((a) => a.pool));
    // A family no longer configured, whose Services still hold their addresses.
    for (const pool of await this.store.allocationPools()) {
      if (pool === nodePortPool || configured.has(pool) || !pool.startsWith('service-ip/')) continue;
      const family = pool.slice('service-ip/'.length) as IPFamily;
      items.push(await this.object(pool, { type: 'ClusterIP', ipFamily: family, range: '', staticBandSize: 0 }, () => false, 0n));
    }
    items.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    const ports = this.nodePorts;
    items.push(
      await this.object(
        nodePortPool,
        { type: 'NodePort', range: String(ports.range), staticBandSize: ports.staticBand },
        (v) => ports.range.offsetOf(v) !== undefined,
        ports.range.size,
      ),
    );
    return items;
  }

  async get(name: string): Promise<Allocation | undefined> {
    return (await this.list()).find((a) => a.metadata?.name === name);
  }
}
