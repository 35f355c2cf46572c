// Service CIDR arithmetic. IPv4 only for now: offsets are plain numbers, which covers any IPv4
// prefix; IPv6 ranges will need the same interface over bigint.
import ipaddr from 'ipaddr.js';
import type { ValueRange } from './bandedAllocator.js';

export class CIDRError extends Error {}

function v4ToNumber(ip: ipaddr.IPv4): number {
  const [a, b, c, d] = ip.octets;
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function numberToV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses a strict dotted-quad IPv4 address (no leading zeros), or returns undefined. */
export function parseIPv4(s: string): number | undefined {
  if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s)) return undefined;
  return v4ToNumber(ipaddr.IPv4.parse(s));
}

export class IPv4Range implements ValueRange {
  readonly family = 'IPv4' as const;
  readonly cidr: string;
  /** First usable address (network address + 1) as a number. */
  private readonly first: number;
  readonly size: number;
  private readonly network: number;

  constructor(cidr: string) {
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      parsed = ipaddr.parseCIDR(cidr);
    } catch {
      throw new CIDRError(`invalid CIDR ${JSON.stringify(cidr)}`);
    }
    const [addr, prefix] = parsed;
    if (addr.kind() !== 'ipv4') throw new CIDRError(`${cidr} is not an IPv4 CIDR (IPv6 service ranges are not supported yet)`);
    if (prefix > 30) throw new CIDRError(`${cidr} is too small: a service CIDR needs a prefix of /30 or shorter`);
    const hostBits = 32 - prefix;
    const base = v4ToNumber(addr as ipaddr.IPv4);
    this.network = base - (base % 2 ** hostBits);
    this.cidr = `${numberToV4(this.network)}/${prefix}`;
    // kube-apiserver never hands out the network or the broadcast address of an IPv4 range.
    this.size = 2 ** hostBits - 2;
    this.first = this.network + 1;
  }

  offsetOf(value: string): number | undefined {
    const n = parseIPv4(value);
    if (n === undefined) return undefined;
    const offset = n - this.first;
    return offset >= 0 && offset < this.size ? offset : undefined;
  }

  valueAt(offset: number): string {
    return numberToV4(this.first + offset);
  }

  contains(value: string): boolean {
    return this.offsetOf(value) !== undefined;
  }

  toString(): string {
    return this.cidr;
  }
}

export class PortRange implements ValueRange {
  readonly size: number;
  constructor(readonly base: number, readonly max: number) {
    this.size = max - base + 1;
  }

  static parse(s: string): PortRange {
    const m = /^(\d+)-(\d+)$/.exec(s.trim());
    if (!m) throw new CIDRError(`invalid port range ${JSON.stringify(s)}: expected FROM-TO, e.g. 30000-32767`);
    const base = Number(m[1]);
    const max = Number(m[2]);
    if (base < 1 || max > 65535 || base > max) throw new CIDRError(`invalid port range ${s}: ports must be 1-65535 and FROM <= TO`);
    return new PortRange(base, max);
  }

  offsetOf(value: string): number | undefined {
    if (!/^\d+$/.test(value)) return undefined;
    const n = Number(value);
    return n >= this.base && n <= this.max ? n - this.base : undefined;
  }

  valueAt(offset: number): string {
    return String(this.base + offset);
  }

  toString(): string {
    return `${this.base}-${this.max}`;
  }
}
