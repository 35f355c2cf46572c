// The allocation strategy kube-apiserver uses for both service IPs and node ports
// (pkg/registry/core/service/allocator, randomScanStrategyWithOffset): the range is split into
// a low "static" band and the rest; random picks scan the upper band from a random start and
// only fall back to the static band when the upper one is full, so explicitly requested values
// in the static band rarely collide with automatic ones.
//
// The SQLite allocations table is the truth (its primary key forbids a double allocation); the
// in-memory set mirrors it for fast scans and follows the surrounding transaction.
import type { ObjectKey, WriteTx } from '../storage/objectStore.js';

export type AllocationFailure = 'allocated' | 'notInRange' | 'full';

export class AllocationError extends Error {
  constructor(readonly failure: AllocationFailure, message: string) {
    super(message);
  }
}

export interface Owner extends ObjectKey {
  uid: string;
}

/** A contiguous range of allocatable values, addressed by offset 0..size-1. */
export interface ValueRange {
  readonly size: number;
  /** Offset of a canonical value, or undefined when it lies outside the range. */
  offsetOf(value: string): number | undefined;
  valueAt(offset: number): string;
  /** What kube-apiserver prints as "the range of valid ..." */
  toString(): string;
}

/** min(max(min, size/step), max), or 0 for tiny ranges: calculateRangeOffset in kube-apiserver. */
export function staticBandSize(size: number, min: number, step: number, max: number): number {
  if (size <= min) return 0;
  return Math.min(Math.max(min, Math.floor(size / step)), max);
}

export class BandedAllocator {
  private readonly used = new Set<string>();

  constructor(
    readonly pool: string,
    readonly range: ValueRange,
    readonly staticBand: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Fills the in-memory view from the table; values outside the range are kept (still held). */
  load(values: Iterable<string>): void {
    for (const value of values) this.used.add(value);
  }

  has(value: string): boolean {
    return this.used.has(value);
  }

  get usedCount(): number {
    return this.used.size;
  }

  allocate(tx: WriteTx, value: string, owner: Owner): void {
    if (this.range.offsetOf(value) === undefined) throw new AllocationError('notInRange', value);
    if (this.used.has(value)) throw new AllocationError('allocated', value);
    this.take(tx, value, owner);
  }

  allocateNext(tx: WriteTx, owner: Owner): string {
    const offset = this.pickFreeOffset();
    if (offset === undefined) throw new AllocationError('full', 'range is full');
    const value = this.range.valueAt(offset);
    this.take(tx, value, owner);
    return value;
  }

  /** Frees a value when the transaction commits; until then it stays held (a deferred release). */
  release(tx: WriteTx, value: string, owner: Owner): void {
    // Only what the owner holds is freed: an object may carry a value it never held (a nodePort
    // on an ExternalName service), and that value may belong to someone else.
    if (tx.release(this.pool, value, owner.uid)) tx.onCommit(() => this.used.delete(value));
  }

  private take(tx: WriteTx, value: string, owner: Owner): void {
    tx.allocate({ pool: this.pool, value, ...owner });
    this.used.add(value);
    tx.onRollback(() => this.used.delete(value));
  }

  private pickFreeOffset(): number | undefined {
    const { size } = this.range;
    const band = this.staticBand;
    const upper = size - band;
    const scan = (from: number, length: number): number | undefined => {
      const start = Math.floor(this.random() * length);
      for (let i = 0; i < length; i++) {
        const at = from + ((start + i) % length);
        if (!this.used.has(this.range.valueAt(at))) return at;
      }
      return undefined;
    };
    return (upper > 0 ? scan(band, upper) : undefined) ?? (band > 0 ? scan(0, band) : undefined);
  }
}
