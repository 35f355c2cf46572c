import { AllocationError, BandedAllocator, staticBandSize, type Owner } from './bandedAllocator.js';
import type { PortRange } from './ipRange.js';
import type { ObjectStore, WriteTx } from '../storage/objectStore.js';

export const nodePortPool = 'node-port';

/** Node ports (and health-check node ports) from one pool, as pkg/registry/core/service/portallocator. */
export class NodePortAllocator {
  private readonly core: BandedAllocator;

  constructor(
    readonly range: PortRange,
    random: () => number = Math.random,
  ) {
    // Static band: min(max(16, size/32), 128): 30000-30085 for the default range.
    this.core = new BandedAllocator(nodePortPool, range, staticBandSize(range.size, 16, 32, 128), random);
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

  has(port: number): boolean {
    return this.core.has(String(port));
  }

  async allocate(tx: WriteTx, port: number, owner: Owner): Promise<void> {
    try {
      await this.core.allocate(tx, String(port), owner);
    } catch (err) {
      throw this.describe(err);
    }
  }

  async allocateNext(tx: WriteTx, owner: Owner): Promise<number> {
    try {
      return Number(await this.core.allocateNext(tx, owner));
    } catch (err) {
      throw this.describe(err);
    }
  }

  async release(tx: WriteTx, port: number, owner: Owner): Promise<void> {
    return this.core.release(tx, String(port), owner);
  }

  stats(): { size: bigint; used: number; outside: number } {
    return { size: this.range.size, used: this.core.usedCount, outside: this.core.outsideCount };
  }

  private describe(err: unknown): unknown {
    if (!(err instanceof AllocationError)) return err;
    switch (err.failure) {
      case 'allocated':
        return new AllocationError('allocated', 'provided port is already allocated');
      case 'notInRange':
        return new AllocationError('notInRange', `provided port is not in the valid range. The range of valid ports is ${this.range}`);
      case 'full':
        return new AllocationError('full', `range is full (${this.range})`);
    }
  }
}
