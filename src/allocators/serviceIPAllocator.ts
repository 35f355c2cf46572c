import { AllocationError, BandedAllocator, staticBandSize, type Owner } from './bandedAllocator.js';
import { IPRange, type IPFamily } from './ipRange.js';
import type { ObjectStore, WriteTx } from '../storage/objectStore.js';

/** The allocations-table pool of one family's cluster IPs. */
export const serviceIPPool = (family: IPFamily) => `service-ip/${family}`;

/**
 * Cluster IPs of one family from its service CIDR, with kube-apiserver's error texts
 * (pkg/registry/core/service/ipallocator). A dual-stack cluster has one of these per family.
 */
export class ServiceIPAllocator {
  private readonly core: BandedAllocator;
  readonly range: IPRange;

  constructor(cidr: string | IPRange, random: () => number = Math.random) {
    this.range = typeof cidr === 'string' ? new IPRange(cidr) : cidr;
    // Static band: min(max(16, cidrSize/16), 256), as ipallocator.calculateRangeOffset, where
    // cidrSize is 2^hostBits (capped at MaxInt64, which the cap of 256 makes moot).
    this.core = new BandedAllocator(serviceIPPool(this.range.family), this.range, staticBandSize(1n << BigInt(this.range.hostBits), 16, 16, 256), random);
  }

  get family(): IPFamily {
    return this.range.family;
  }

  get pool(): string {
    return this.core.pool;
  }

  get staticBand(): number {
    return this.core.staticBand;
  }

  async load(store: ObjectStore): Promise<void> {
    this.core.load(await store.allocatedValues(this.core.pool));
  }

  /** The first address, which every cluster gives to the `kubernetes` Service. */
  firstAddress(): string {
    return this.range.valueAt(0n);
  }

  has(ip: string): boolean {
    return this.core.has(this.range.canonical(ip));
  }

  /** Reserves a requested IP; returns it in the canonical spelling it is stored under. */
  async allocate(tx: WriteTx, ip: string, owner: Owner): Promise<string> {
    try {
      return await this.core.allocate(tx, ip, owner);
    } catch (err) {
      throw this.describe(err, ip);
    }
  }

  async allocateNext(tx: WriteTx, owner: Owner): Promise<string> {
    try {
      return await this.core.allocateNext(tx, owner);
    } catch (err) {
      throw this.describe(err, '');
    }
  }

  async release(tx: WriteTx, ip: string, owner: Owner): Promise<void> {
    return this.core.release(tx, ip, owner);
  }

  stats(): { size: bigint; used: number; outside: number } {
    return { size: this.range.size, used: this.core.usedCount, outside: this.core.outsideCount };
  }

  private describe(err: unknown, ip: string): unknown {
    if (!(err instanceof AllocationError)) return err;
    switch (err.failure) {
      case 'allocated':
        return new AllocationError('allocated', 'provided IP is already allocated');
      case 'notInRange':
        return new AllocationError('notInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.range.cidr}`);
      case 'full':
        return new AllocationError('full', `range is full (${this.range.cidr})`);
    }
  }
}
