// Name, format and IP predicates of k8s.io/apimachinery/pkg/util/validation (validation.go, ip.go)
// and k8s.io/utils/net, as of Kubernetes v1.33. The predicates return the list of detail messages
// (empty when valid), exactly like their Go counterparts, so callers can wrap each message in a
// field.Invalid error. Go measures string length in bytes (len()), so do we.
//
// Also home of the small Go-syntax renderers (%#v of typed slices, structs, times) that
// fieldErrors.goValue cannot express, see `rawValueError`.

import { isV4Mapped, parseCIDRSloppy, parseIPSloppy } from '../../net/ip.js';
import type { FieldError, FieldErrorType } from './fieldErrors.js';
import { goQuote } from '../../goQuote.js';

/** len() of a Go string: UTF-8 byte length. */
export function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Message builders (validation.go)

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) out += ' or ';
    out += `'${ex}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

export function emptyError(): string {
  return 'must be non-empty';
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

// ---------------------------------------------------------------------------------------------
// Qualified names and label values

const qnameCharFmt = '[A-Za-z0-9]';
const qnameExtCharFmt = '[-A-Za-z0-9_.]';
const qualifiedNameFmt = `(${qnameCharFmt}${qnameExtCharFmt}*)?${qnameCharFmt}`;
const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const qualifiedNameMaxLength = 63;
const qualifiedNameRegexp = new RegExp(`^${qualifiedNameFmt}$`);

/** validation.IsQualifiedName: optional DNS-1123 subdomain prefix + '/' + name (<= 63). */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  switch (parts.length) {
    case 1:
      name = parts[0];
      break;
    case 2: {
      const prefix = parts[0];
      name = parts[1];
      if (prefix.length === 0) {
        errs.push(`prefix part ${emptyError()}`);
      } else {
        const msgs = isDNS1123Subdomain(prefix);
        if (msgs.length !== 0) errs.push(...msgs.map((m) => `prefix part ${m}`));
      }
      break;
    }
    default:
      return [
        `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ];
  }
  if (name.length === 0) {
    errs.push(`name part ${emptyError()}`);
  } else if (byteLen(name) > qualifiedNameMaxLength) {
    errs.push(`name part ${maxLenError(qualifiedNameMaxLength)}`);
  }
  if (!qualifiedNameRegexp.test(name)) {
    errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueMaxLength = 63;
const labelValueRegexp = new RegExp(`^${labelValueFmt}$`);

/** validation.IsValidLabelValue */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > labelValueMaxLength) errs.push(maxLenError(labelValueMaxLength));
  if (!labelValueRegexp.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// DNS names

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1123LabelMaxLength = 63;
const dns1123LabelRegexp = new RegExp(`^${dns1123LabelFmt}$`);

const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrorMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1123SubdomainMaxLength = 253;
const dns1123SubdomainRegexp = new RegExp(`^${dns1123SubdomainFmt}$`);

const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const dns1035LabelMaxLength = 63;
const dns1035LabelRegexp = new RegExp(`^${dns1035LabelFmt}$`);

/** validation.IsDNS1123Label */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > dns1123LabelMaxLength) errs.push(maxLenError(dns1123LabelMaxLength));
  if (!dns1123LabelRegexp.test(value)) {
    if (dns1123SubdomainRegexp.test(value)) {
      // A valid subdomain but not a valid label: since the length was checked, it must be dots.
      errs.push('must not contain dots');
    } else {
      errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
    }
  }
  return errs;
}

/** validation.IsDNS1123Subdomain */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > dns1123SubdomainMaxLength) errs.push(maxLenError(dns1123SubdomainMaxLength));
  if (!dns1123SubdomainRegexp.test(value)) errs.push(regexError(dns1123SubdomainErrorMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

/** validation.IsDNS1035Label */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > dns1035LabelMaxLength) errs.push(maxLenError(dns1035LabelMaxLength));
  if (!dns1035LabelRegexp.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** validation.IsValidPortNum: 1..65535 */
export function isValidPortNum(port: number): string[] {
  if (1 <= port && port <= 65535) return [];
  return [inclusiveRangeError(1, 65535)];
}

const portNameCharsetRegex = /^[-a-z0-9]+$/;
const portNameOneLetterRegexp = /[a-z]/;

/** validation.IsValidPortName: IANA_SVC_NAME (<= 15 chars, [-a-z0-9], >= 1 letter, no '--', no edge '-'). */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLen(port) > 15) errs.push(maxLenError(15));
  if (!portNameCharsetRegex.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!portNameOneLetterRegexp.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port[0] === '-' || port[port.length - 1] === '-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

// ---------------------------------------------------------------------------------------------
// ValidateNameFunc flavours (apimachinery/pkg/api/validation/generic.go)

/**
 * maskTrailingDash replaces the final character of a string with a subdomain-safe value if it is
 * a dash. Go: name[:len(name)-2] + "a" (yes, it drops the character before the dash as well).
 * For a lone "-" Go would panic on the negative slice bound; we clamp instead (-> "a").
 */
export function maskTrailingDash(name: string): string {
  if (name.endsWith('-')) return `${name.slice(0, Math.max(0, name.length - 2))}a`;
  return name;
}

export type NameValidator = (name: string, prefix: boolean) => string[];

export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

// ---------------------------------------------------------------------------------------------
// IP addresses. `parseIPSloppy` (k8s.io/utils/net.ParseIPSloppy, Go 1.16 net.ParseIP: IPv4
// octets may carry leading zeros, read as decimal) lives in net/ip.ts, shared with the
// allocators; `parseIP` is current Go net.ParseIP / netip.ParseAddr (no leading zeros, at most
// 4 hex digits per IPv6 group, no zones). Results are 16-byte arrays; IPv4 is stored in
// IPv4-mapped form (::ffff:a.b.c.d) like Go.

const strictOctet = /^(0|[1-9][0-9]{0,2})$/;

/** True when a string accepted by parseIPSloppy is also accepted by netip.ParseAddr. */
function passesStrictSyntax(s: string): boolean {
  const checkV4 = (v4: string) => v4.split('.').every((o) => strictOctet.test(o));
  if (!s.includes(':')) return checkV4(s);
  for (const group of s.split(':')) {
    if (group.includes('.')) {
      if (!checkV4(group)) return false;
    } else if (group.length > 4) {
      return false;
    }
  }
  return true;
}

/** Current Go net.ParseIP (netip rules, no zones): 16-byte address or null. */
export function parseIP(s: string): Uint8Array | null {
  const ip = parseIPSloppy(s);
  if (ip === null || !passesStrictSyntax(s)) return null;
  return ip;
}

/**
 * Go net.ParseIP semantics (IPv4, IPv6, IPv4-mapped IPv6; leading zeros in IPv4 octets rejected).
 * NOTE: this is stricter than what kube-apiserver 1.33 applies to the legacy Service IP fields
 * with default feature gates (StrictIPCIDRValidation is alpha/off there); validation in this
 * package therefore uses isValidIPSloppy semantics, see service.ts.
 */
export function isValidIP(s: string): boolean {
  return parseIP(s) !== null;
}

/** netutils.ParseIPSloppy(s) != nil */
export function isValidIPSloppy(s: string): boolean {
  return parseIPSloppy(s) !== null;
}

/** net.IP.To4() != nil */
export function ipIs4(ip: Uint8Array): boolean {
  return isV4Mapped(ip);
}

/** netutils.IsIPv4String */
export function isIPv4String(s: string): boolean {
  const ip = parseIPSloppy(s);
  return ip !== null && isV4Mapped(ip);
}

/** netutils.IsIPv6String */
export function isIPv6String(s: string): boolean {
  const ip = parseIPSloppy(s);
  return ip !== null && !isV4Mapped(ip);
}

export function ipIsUnspecified(ip: Uint8Array): boolean {
  if (isV4Mapped(ip)) return ip[12] === 0 && ip[13] === 0 && ip[14] === 0 && ip[15] === 0;
  return ip.every((b) => b === 0);
}

export function ipIsLoopback(ip: Uint8Array): boolean {
  if (isV4Mapped(ip)) return ip[12] === 127;
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) return false;
  return ip[15] === 1;
}

export function ipIsLinkLocalUnicast(ip: Uint8Array): boolean {
  if (isV4Mapped(ip)) return ip[12] === 169 && ip[13] === 254;
  return ip[0] === 0xfe && (ip[1] & 0xc0) === 0x80;
}

export function ipIsLinkLocalMulticast(ip: Uint8Array): boolean {
  if (isV4Mapped(ip)) return ip[12] === 224 && ip[13] === 0 && ip[14] === 0;
  return ip[0] === 0xff && (ip[1] & 0x0f) === 0x02;
}

/** netutils.IsDualStackIPStrings: [dualStack, parseError] */
export function isDualStackIPStrings(ips: readonly string[]): [boolean, boolean] {
  let v4 = false;
  let v6 = false;
  for (const s of ips) {
    const ip = parseIPSloppy(s);
    if (ip === null) return [false, true];
    if (isV4Mapped(ip)) v4 = true;
    else v6 = true;
  }
  return [v4 && v6, false];
}

/** Strict CIDR problems (netip.ParsePrefix), as reported with StrictIPCIDRValidation on. */
export function strictCIDRProblem(s: string): string | null {
  const parsed = parseCIDRSloppy(s);
  if (parsed === null) return null;
  const slash = s.indexOf('/');
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  if (!passesStrictSyntax(addr) || !/^(0|[1-9][0-9]*)$/.test(mask)) return 'must not have leading 0s in IP or prefix length';
  if (parsed.family === 'IPv6' && isV4Mapped(parsed.ip)) return 'must not have an IPv4-mapped IPv6 address';
  const start = parsed.family === 'IPv4' ? 12 : 0;
  const total = parsed.family === 'IPv4' ? 32 : 128;
  for (let bit = parsed.prefix; bit < total; bit++) {
    const byte = start + (bit >> 3);
    if (parsed.ip[byte] & (0x80 >> (bit & 7))) return 'must not have bits set beyond the prefix length';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Go-syntax rendering for values goValue() cannot express.

/** %#v of a []T whose elements are strings (T a string type): nil → `[]T(nil)`. */
export function goStringSlice(typeName: string, values: readonly string[] | undefined | null): string {
  if (values === undefined || values === null) return `[]${typeName}(nil)`;
  return `[]${typeName}{${values.map((v) => goQuote(String(v))).join(', ')}}`;
}

/** time.Time.String() of an RFC 3339 timestamp, in UTC (the apiserver runs with TZ=UTC). */
export function goTime(ts: string | undefined | null): string {
  const zero = '0001-01-01 00:00:00 +0000 UTC';
  if (ts === undefined || ts === null || ts === '') return zero;
  const ms = Date.parse(ts);
  if (Number.isNaN(ms)) return ts;
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  let frac = '';
  const m = /\.(\d+)/.exec(ts);
  if (m) {
    const digits = m[1].replace(/0+$/, '');
    if (digits) frac = `.${digits}`;
  }
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac} +0000 UTC`;
}

/**
 * A field error whose bad value is already rendered in Go syntax. fieldErrors.goValue has no way
 * to print Go structs or typed slices, so the rendered value travels at the front of `detail` with
 * `value` left undefined; errorBody() then prints "<Type>: <rendered>[: <detail>]", byte-for-byte
 * what field.Error.ErrorBody() prints.
 */
export function rawValueError(type: FieldErrorType, field: string, rendered: string, detail = ''): FieldError {
  return { type, field, detail: detail ? `${rendered}: ${detail}` : rendered };
}
