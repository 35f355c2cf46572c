// k8s.io/utils/net's sloppy IP and CIDR parsing, shared by validation (registry/validation/names.ts)
// and the allocators (allocators/ipRange.ts). `parseIPSloppy` is netutils.ParseIPSloppy, i.e. Go 1.16
// net.ParseIP: IPv4 octets may carry leading zeros, read as decimal ("010.96.0.5" is 10.96.0.5, and
// any number of digits is fine as long as the value is at most 255); IPv6 groups may likewise carry
// leading zeros up to 0xffff; zones ("%eth0") are refused. Results are 16-byte arrays; IPv4 is
// stored in IPv4-mapped form (::ffff:a.b.c.d) like Go, and only that form counts as IPv4
// ("::1.2.3.4" is an IPv6 address, as net.IP.To4() says).

const BIG = 0xffffff;

function dtoi(s: string): [n: number, consumed: number, ok: boolean] {
  let n = 0;
  let i = 0;
  for (; i < s.length && s[i] >= '0' && s[i] <= '9'; i++) {
    n = n * 10 + (s.charCodeAt(i) - 48);
    if (n >= BIG) return [BIG, i, false];
  }
  if (i === 0) return [0, 0, false];
  return [n, i, true];
}

function xtoi(s: string): [n: number, consumed: number, ok: boolean] {
  let n = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c >= '0' && c <= '9') n = n * 16 + (s.charCodeAt(i) - 48);
    else if (c >= 'a' && c <= 'f') n = n * 16 + (s.charCodeAt(i) - 97 + 10);
    else if (c >= 'A' && c <= 'F') n = n * 16 + (s.charCodeAt(i) - 65 + 10);
    else break;
    if (n >= BIG) return [0, i, false];
  }
  if (i === 0) return [0, i, false];
  return [n, i, true];
}

function v4InV6(a: number, b: number, c: number, d: number): Uint8Array {
  const ip = new Uint8Array(16);
  ip[10] = 0xff;
  ip[11] = 0xff;
  ip[12] = a;
  ip[13] = b;
  ip[14] = c;
  ip[15] = d;
  return ip;
}

function parseIPv4Sloppy(s: string): Uint8Array | null {
  const p = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    if (s.length === 0) return null;
    if (i > 0) {
      if (s[0] !== '.') return null;
      s = s.slice(1);
    }
    const [n, c, ok] = dtoi(s);
    if (!ok || n > 0xff) return null;
    s = s.slice(c);
    p[i] = n;
  }
  if (s.length !== 0) return null;
  return v4InV6(p[0], p[1], p[2], p[3]);
}

function parseIPv6Sloppy(s: string): Uint8Array | null {
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    const [n, c, ok] = xtoi(s);
    if (!ok || n > 0xffff) return null;
    if (c < s.length && s[c] === '.') {
      if (ellipsis < 0 && i !== 16 - 4) return null;
      if (i + 4 > 16) return null;
      const ip4 = parseIPv4Sloppy(s);
      if (ip4 === null) return null;
      ip[i] = ip4[12];
      ip[i + 1] = ip4[13];
      ip[i + 2] = ip4[14];
      ip[i + 3] = ip4[15];
      s = '';
      i += 4;
      break;
    }
    ip[i] = n >> 8;
    ip[i + 1] = n & 0xff;
    i += 2;
    s = s.slice(c);
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return null;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return null;
  }
  return ip;
}

/** k8s.io/utils/net.ParseIPSloppy: 16-byte address or null. */
export function parseIPSloppy(s: string): Uint8Array | null {
  if (typeof s !== 'string') return null;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '.') return parseIPv4Sloppy(s);
    if (s[i] === ':') return parseIPv6Sloppy(s);
  }
  return null;
}

/** True for an IPv4 address in the 16-byte form (net.IP.To4() != nil). */
export function isV4Mapped(ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

export interface ParsedCIDR {
  /** the address as written (16-byte form) */
  ip: Uint8Array;
  /** prefix length in the address' own family (0-32 for IPv4, 0-128 for IPv6) */
  prefix: number;
  family: 'IPv4' | 'IPv6';
}

/** netutils.ParseCIDRSloppy (Go 1.16 net.ParseCIDR): leading zeros tolerated in IP and prefix. */
export function parseCIDRSloppy(s: string): ParsedCIDR | null {
  if (typeof s !== 'string') return null;
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  let bits = 32;
  let ip = parseIPv4Sloppy(addr);
  if (ip === null) {
    bits = 128;
    ip = parseIPv6Sloppy(addr);
  }
  const [n, i, ok] = dtoi(mask);
  if (ip === null || !ok || i !== mask.length || n < 0 || n > bits) return null;
  return { ip, prefix: n, family: bits === 32 ? 'IPv4' : 'IPv6' };
}
