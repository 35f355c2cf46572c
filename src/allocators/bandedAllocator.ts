// The allocation strategy kube-apiserver uses for both service IPs and node ports
// (pkg/registry/core/service/allocator, randomScanStrategyWithOffset): the range is split into
// a low "static" band and the rest; random picks scan the upper band from a random start and
// only fall back to the static band when the upper one is full, so explicitly requested values
// in the static band rarely collide with automatic ones.
//
// The SQLite allocations table is the truth (its primary key forbids a double allocation); the
// in-memory set mirrors it for fast scans and follows the surrounding transaction.
import { UniqueViolation, type ObjectKey, type WriteTx } from '../storage/objectStore.js';

export type AllocationFailure = 'allocated' | 'notInRange' | 'full';

export class AllocationError extends Error {
  constructor(
    readonly failure: AllocationFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface Owner extends ObjectKey {
  uid: string;
}

/** A contiguous range of allocatable values, addressed by offset 0..size-1. */
export interface ValueRange {
  readonly size: bigint;
  /** Offset of a value, or undefined when it lies outside the range. */
  offsetOf(value: string): bigint | undefined;
  valueAt(offset: bigint): string;
  /** The one spelling of a value, which is its key in the allocations table. */
  canonical(value: string): string;
  /** What kube-apiserver prints as "the range of valid ..." */
  toString(): string;
}

/** min(max(min, size/step), max), or 0 for tiny ranges: calculateRangeOffset in kube-apiserver. */
export function staticBandSize(size: bigint, min: number, step: number, max: number): number {
  if (size <= BigInt(min)) return 0;
  const perStep = size / BigInt(step);
  return perStep > BigInt(max) ? max : Math.max(min, Number(perStep));
}

/** A uniform draw from [0, n) for any n, from a source of floats in [0, 1). */
function randomBelow(random: () => number, n: bigint): bigint {
  if (n <= 2n ** 53n) return BigInt(Math.floor(random() * Number(n)));
  let r = 0n;
  for (let bits = 0n; bits < BigInt(n.toString(2).length) + 32n; bits += 32n) r = (r << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  return r % n;
}

export class BandedAllocator {
  private readonly used = new Set<string>();
  /**
   * Held values outside the range (left over from an earlier configuration), found on first
   * use rather than at load: checking 100,000 values cost start-up a tenth of a second.
   */
  private outsideValues: Set<string> | undefined;

  constructor(
    readonly pool: string,
    readonly range: ValueRange,
    readonly staticBand: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Fills the in-memory view from the table. Values outside the range are kept: a Service keeps
   * what it holds after the range changes, and nobody else gets it.
   */
  load(values: Iterable<string>): void {
    this.used.clear();
    for (const value of values) this.used.add(value);
    this.outsideValues = undefined;
  }

  private get outside(): Set<string> {
    this.outsideValues ??= new Set([...this.used].filter((v) => this.range.offsetOf(v) === undefined));
    return this.outsideValues;
  }

  has(value: string): boolean {
    return this.used.has(value);
  }

  /** Values held inside the range. */
  get usedCount(): number {
    return this.used.size - this.outside.size;
  }

  /** Values held outside the range: still held, never handed out. */
  get outsideCount(): number {
    return this.outside.size;
  }

  /** Reserves a requested value; returns its canonical spelling, which is what is stored. */
  async allocate(tx: WriteTx, value: string, owner: Owner): Promise<string> {
    if (this.range.offsetOf(value) === undefined) throw new AllocationError('notInRange', value);
    const key = this.range.canonical(value);
    // Memory may say held when the table does not: another process sharing the database (a
    // replica on PostgreSQL) freed it. The table, read inside this transaction, decides.
    if (this.used.has(key)) {
      if (await tx.allocation(this.pool, key)) throw new AllocationError('allocated', value);
      this.used.delete(key);
      this.outsideValues?.delete(key);
    }
    if (!(await this.take(tx, key, owner))) throw new AllocationError('allocated', value);
    return key;
  }

  async allocateNext(tx: WriteTx, owner: Owner): Promise<string> {
    // A pick the table already holds (a row written behind this server's back) is marked used
    // and another is tried, as kube's allocator retries after a "mid-air collision".
    for (;;) {
      const offset = this.pickFreeOffset();
      if (offset === undefined) throw new AllocationError('full', 'range is full');
      const value = this.range.valueAt(offset);
      if (await this.take(tx, value, owner)) return value;
    }
  }

  /** Frees a value when the transaction commits; until then it stays held (a deferred release). */
  async release(tx: WriteTx, value: string, owner: Owner): Promise<void> {
    const key = this.range.canonical(value);
    // Only what the owner holds is freed: an object may carry a value it never held (a nodePort
    // on an ExternalName service), and that value may belong to someone else.
    if (await tx.release(this.pool, key, owner.uid))
      tx.onCommit(() => {
        this.used.delete(key);
        this.outsideValues?.delete(key);
      });
  }

  /**
   * Records the value in the table; false when the table already holds it although memory did
   * not know (someone edited the database under a running server). That value is then marked
   * used for good: it is held, just not by anyone this server allocated it to.
   */
  private async take(tx: WriteTx, value: string, owner: Owner): Promise<boolean> {
    try {
      await tx.allocate({ pool: this.pool, value, ...owner });
    } catch (err) {
      if (!(err instanceof UniqueViolation && err.what === 'allocation')) throw err;
      this.used.add(value);
      return false;
    }
    this.used.add(value);
    tx.onRollback(() => this.used.delete(value));
    return true;
  }

  private pickFreeOffset(): bigint | undefined {
    const { size } = this.range;
    const band = BigInt(this.staticBand);
    const upper = size - band;
    const scan = (from: bigint, length: bigint): bigint | undefined => {
      const start = randomBelow(this.random, length);
      // At most `used` values are taken, so any used+1 consecutive offsets hold a free one: the
      // scan is bounded by what is held, never by the size of the range (2^64 for an IPv6 /64).
      const held = BigInt(this.used.size) + 1n;
      const steps = held < length ? held : length;
      for (let i = 0n; i < steps; i++) {
        const at = from + ((start + i) % length);
        if (!this.used.has(this.range.valueAt(at))) return at;
      }
      return undefined;
    };
    return (upper > 0n ? scan(band, upper) : undefined) ?? (band > 0n ? scan(0n, band) : undefined);
  }
}
