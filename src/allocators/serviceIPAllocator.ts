import { AllocationError, BandedAllocator, staticBandSize, type Owner } from './bandedAllocator.js';
import { IPv4Range } from './ipRange.js';
import type { ObjectStore, WriteTx } from '../storage/objectStore.js';

/** Cluster IPs from the service CIDR, with kube-apiserver's error texts (pkg/registry/core/service/ipallocator). */
export class ServiceIPAllocator {
  private readonly core: BandedAllocator;
  readonly range: IPv4Range;

  constructor(cidr: string, random: () => number = Math.random) {
    this.range = new IPv4Range(cidr);
    // Static band: min(max(16, size/16), 256), as ipallocator.calculateRangeOffset.
    this.core = new BandedAllocator(`service-ip/${this.range.family}`, this.range, staticBandSize(this.range.size + 2, 16, 16, 256), random);
  }

  get pool(): string {
    return this.core.pool;
  }

  load(store: ObjectStore): void {
    this.core.load(store.allocatedValues(this.core.pool));
  }

  /** The first address, which every cluster gives to the `kubernetes` Service. */
  firstAddress(): string {
    return this.range.valueAt(0);
  }

  allocate(tx: WriteTx, ip: string, owner: Owner): void {
    try {
      this.core.allocate(tx, ip, owner);
    } catch (err) {
      throw this.describe(err, ip);
    }
  }

  allocateNext(tx: WriteTx, owner: Owner): string {
    try {
      return this.core.allocateNext(tx, owner);
    } catch (err) {
      throw this.describe(err, '');
    }
  }

  release(tx: WriteTx, ip: string, owner: Owner): void {
    this.core.release(tx, ip, owner);
  }

  stats(): { size: number; used: number } {
    return { size: this.range.size, used: this.core.usedCount };
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

