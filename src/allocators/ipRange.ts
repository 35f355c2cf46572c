// Service CIDR and port-range arithmetic. Offsets are bigints so that one interface covers an
// IPv4 /30 and an IPv6 /64 (2^64 - 1 addresses) alike; nothing here is proportional to a range's
// size, so a huge range costs no more memory than a small one.
import ipaddr from 'ipaddr.js';
import { isV4Mapped, parseIPSloppy } from '../net/ip.js';
import type { ValueRange } from './bandedAllocator.js';

export class CIDRError extends Error {}

export type IPFamily = 'IPv4' | 'IPv6';

const v4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses a strict dotted-quad IPv4 address (no leading zeros, which ipaddr.js reads as octal). */
export function parseIPv4(s: string): number | undefined {
  if (!v4Pattern.test(s)) return undefined;
  const [a, b, c, d] = s.split('.').map(Number);
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function numberToV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function partsToBigint(parts: number[]): bigint {
  let n = 0n;
  for (const p of parts) n = (n << 16n) | BigInt(p);
  return n;
}

function bigintToV6(n: bigint): string {
  const parts: number[] = new Array<number>(8);
  for (let i = 7; i >= 0; i--) {
    parts[i] = Number(n & 0xffffn);
    n >>= 16n;
  }
  // RFC 5952 text is what Go's net.IP.String() prints, so the same address always has one key.
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/**
 * An address as a family and a number, or undefined for anything that is not an IP, read as
 * kube-apiserver's allocators read it (netutils.ParseIPSloppy, see net/ip.ts: leading zeros in
 * IPv4 octets are allowed and read as decimal, so "010.96.0.5" is 10.96.0.5; kube-apiserver 1.33
 * accepts such cluster IPs, StrictIPCIDRValidation being off, and allocates the address they
 * denote). An IPv4-mapped IPv6 address counts as IPv4, as Go's net.IP.To4() treats it.
 */
export function parseIP(s: string): { family: IPFamily; n: bigint } | undefined {
  const ip = parseIPSloppy(s);
  if (ip === null) return undefined;
  const v4 = isV4Mapped(ip);
  let n = 0n;
  for (let i = v4 ? 12 : 0; i < 16; i++) n = (n << 8n) | BigInt(ip[i]);
  return { family: v4 ? 'IPv4' : 'IPv6', n };
}

/** The one spelling of an IP (what Go's net.IP.String() prints); other strings are returned as they are. */
export function canonicalIP(s: string): string {
  const ip = parseIP(s);
  if (!ip) return s;
  return ip.family === 'IPv4' ? numberToV4(Number(ip.n)) : bigintToV6(ip.n);
}

export function familyOfIP(s: string): IPFamily | undefined {
  return parseIP(s)?.family;
}

/**
 * The usable addresses of a service CIDR, as kube-apiserver's ipallocator counts them
 * (hostsPerNetwork): never the network address, and for IPv4 never the broadcast address either.
 */
export class IPRange implements ValueRange {
  readonly family: IPFamily;
  readonly cidr: string;
  readonly prefix: number;
  readonly size: bigint;
  /** Host bits of the CIDR: kube's band formula works on the whole CIDR, 2^hostBits. */
  readonly hostBits: number;
  private readonly first: bigint;

  constructor(cidr: string) {
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      parsed = ipaddr.parseCIDR(cidr.trim());
    } catch {
      throw new CIDRError(`invalid CIDR ${JSON.stringify(cidr)}`);
    }
    const [addr, prefix] = parsed;
    const v4 = addr.kind() === 'ipv4';
    if (v4 && parseIPv4(cidr.trim().split('/')[0]) === undefined) throw new CIDRError(`invalid CIDR ${JSON.stringify(cidr)}`);
    this.family = v4 ? 'IPv4' : 'IPv6';
    const bits = v4 ? 32 : 128;
    this.prefix = prefix;
    this.hostBits = bits - prefix;
    if (v4 && this.hostBits < 2) throw new CIDRError(`${cidr} is too small: an IPv4 service CIDR needs a prefix of /30 or shorter`);
    if (!v4 && this.hostBits < 1) throw new CIDRError(`${cidr} is too small: an IPv6 service CIDR needs a prefix of /127 or shorter`);
    // ipallocator.NewIPAllocator: "shortest allowed prefix length for service CIDR is 64".
    if (!v4 && prefix < 64) throw new CIDRError(`${cidr} is too large: the shortest allowed prefix length for an IPv6 service CIDR is 64, got ${prefix}`);
    const value = v4 ? BigInt(parseIPv4(addr.toString())!) : partsToBigint((addr as ipaddr.IPv6).parts);
    const network = (value >> BigInt(this.hostBits)) << BigInt(this.hostBits);
    this.first = network + 1n;
    this.size = (1n << BigInt(this.hostBits)) - (v4 ? 2n : 1n);
    this.cidr = `${this.format(network)}/${prefix}`;
  }

  private format(n: bigint): string {
    return this.family === 'IPv4' ? numberToV4(Number(n)) : bigintToV6(n);
  }

  offsetOf(value: string): bigint | undefined {
    const ip = parseIP(value);
    if (!ip || ip.family !== this.family) return undefined;
    const offset = ip.n - this.first;
    return offset >= 0n && offset < this.size ? offset : undefined;
  }

  valueAt(offset: bigint): string {
    return this.format(this.first + offset);
  }

  contains(value: string): boolean {
    return this.offsetOf(value) !== undefined;
  }

  /** The one spelling of an address of this family ("fd00::0:5" and "fd00::5" are one key). */
  canonical(value: string): string {
    const ip = parseIP(value);
    return ip && ip.family === this.family ? this.format(ip.n) : value;
  }

  toString(): string {
    return this.cidr;
  }
}

/**
 * --service-cidr: one IPv4 and/or one IPv6 CIDR, the first being the primary family (the
 * family single-stack Services get by default), as --service-cluster-ip-range.
 */
export function parseServiceCIDRs(s: string): IPRange[] {
  const parts = s.split(',').map((p) => p.trim());
  if (parts.length > 2) throw new CIDRError('expected at most two CIDRs, one IPv4 and one IPv6');
  const ranges = parts.map((p) => new IPRange(p));
  if (ranges.length === 2 && ranges[0].family === ranges[1].family) {
    throw new CIDRError(`${parts[0]} and ${parts[1]} must be of different IP families (one IPv4, one IPv6)`);
  }
  return ranges;
}

export class PortRange implements ValueRange {
  readonly size: bigint;
  constructor(
    readonly base: number,
    readonly max: number,
  ) {
    this.size = BigInt(max - base + 1);
  }

  static parse(s: string): PortRange {
    const m = /^(\d+)-(\d+)$/.exec(s.trim());
    if (!m) throw new CIDRError(`invalid port range ${JSON.stringify(s)}: expected FROM-TO, e.g. 30000-32767`);
    const base = Number(m[1]);
    const max = Number(m[2]);
    if (base < 1 || max > 65535 || base > max) throw new CIDRError(`invalid port range ${s}: ports must be 1-65535 and FROM <= TO`);
    return new PortRange(base, max);
  }

  offsetOf(value: string): bigint | undefined {
    if (!/^\d+$/.test(value)) return undefined;
    const n = Number(value);
    return n >= this.base && n <= this.max ? BigInt(n - this.base) : undefined;
  }

  valueAt(offset: bigint): string {
    return String(this.base + Number(offset));
  }

  canonical(value: string): string {
    return value;
  }

  toString(): string {
    return `${this.base}-${this.max}`;
  }
}
