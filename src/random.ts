// Seedable randomness, so that `--seed N` replays a run: the same cluster IPs, node ports and
// load balancer addresses for the same sequence of requests. Not for secrets: those stay on
// node:crypto.
//
// The generator is mulberry32: one 32-bit word of state, a few Math.imul steps per number, and
// statistically good enough for picking addresses and jitter. JavaScript has exact 32-bit
// integer arithmetic (Math.imul, >>> 0) but no cheap 64-bit one, which rules out splitmix64 and
// xoshiro256 without BigInt; xoshiro128** would also do, at four words of state for no gain here.

export interface Random {
  /** What the stream was seeded with; undefined when it is backed by Math.random. */
  readonly seed?: number;
  /** A number in [0, 1). */
  float(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** `chars` lowercase hexadecimal digits. */
  hex(chars: number): string;
  /** `chars` decimal digits; the first may be 0. */
  digits(chars: number): string;
}

const TWO_TO_32 = 4294967296;

export function createRandom(seed?: number): Random {
  if (seed === undefined) return streamOf(Math.random);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`a random seed must be an integer, got ${seed}`);
  return streamOf(mulberry32(fold(seed)), seed);
}

/**
 * A stream of its own for one consumer (the service IP allocator, the node port allocator, the
 * cloud), so that one consumer drawing more or fewer numbers never shifts another's sequence.
 * The child's seed is a hash of the parent's seed and the label, not a draw from the parent,
 * so deriving children does not move the parent either. Children of an unseeded parent are
 * unseeded.
 */
export function childRandom(parent: Random, label: string): Random {
  if (parent.seed === undefined) return createRandom();
  return createRandom(fmix32(fold(parent.seed) ^ fnv1a(label)));
}

function streamOf(next: () => number, seed?: number): Random {
  const int = (n: number): number => {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer n, got ${n}`);
    return Math.floor(next() * n);
  };
  const symbols =
    (alphabet: string) =>
    (chars: number): string => {
      if (!Number.isSafeInteger(chars) || chars < 0) throw new RangeError(`a length must be a non-negative integer, got ${chars}`);
      let out = '';
      for (let i = 0; i < chars; i++) out += alphabet[int(alphabet.length)];
      return out;
    };
  return { seed, float: next, int, hex: symbols('0123456789abcdef'), digits: symbols('0123456789') };
}

function mulberry32(state: number): () => number {
  let a = state;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_TO_32;
  };
}

/** Folds any safe integer, negative or above 2^32, into 32 bits; 0..2^32-1 map to themselves. */
function fold(seed: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_TO_32) >>> 0;
  return (low ^ Math.imul(high, 0x9e3779b1)) >>> 0;
}

/** MurmurHash3's finaliser: every input bit flips about half the output bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
