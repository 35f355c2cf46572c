// Just enough X.509 to write the self-signed serving certificate kube-apiserver generates into
// --cert-dir (and the client certificates tests sign): DER encoding of an ECDSA P-256
// certificate per RFC 5280, signed with node:crypto. Node reads certificates (X509Certificate)
// but has no writer; this avoids a dependency on a library or an openssl binary.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { parseIPSloppy } from '../net/ip.js';

const der = (tag: number, body: Buffer): Buffer => {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => der(0xa0 + n, inner);
const bool = (v: boolean) => der(0x01, Buffer.from([v ? 0xff : 0]));
const octets = (b: Buffer) => der(0x04, b);
const bits = (b: Buffer, unused = 0) => der(0x03, Buffer.concat([Buffer.from([unused]), b]));
const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return der(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  // UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}

const ecdsaWithSHA256 = seq(oid('1.2.840.10045.4.3.2'));

function name(commonName: string, organizations: readonly string[]): Buffer {
  // O before CN, as Go's pkix.Name writes them.
  return seq(...organizations.map((o) => set(seq(oid('2.5.4.10'), utf8(o)))), set(seq(oid('2.5.4.3'), utf8(commonName))));
}

const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

/** keyUsage bits, as BIT STRING bit 0 = digitalSignature. */
function keyUsage(flags: ('digitalSignature' | 'keyEncipherment' | 'keyCertSign')[]): Buffer {
  const bit = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5 };
  let byte = 0;
  for (const f of flags) byte |= 0x80 >> bit[f];
  let unused = 0;
  while (unused < 7 && !(byte & (1 << unused))) unused++;
  return bits(Buffer.from([byte]), unused);
}

export interface CertificateRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ips?: string[];
  usage: 'server' | 'client' | 'ca';
  /** Signs with this CA (PEM certificate's subject and key); none: self-signed. */
  issuer?: { commonName: string; organizations?: string[]; key: string };
  days?: number;
}

/** An ECDSA P-256 certificate and its PKCS#8 key, both PEM. */
export function makeCertificate(req: CertificateRequest): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer: KeyObject = req.issuer ? createPrivateKey(req.issuer.key) : privateKey;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const subject = name(req.commonName, req.organizations ?? []);
  const issuer = req.issuer ? name(req.issuer.commonName, req.issuer.organizations ?? []) : subject;
  const isCA = req.usage === 'ca' || (req.usage === 'server' && !req.issuer);
  const extensions = [
    extension('2.5.29.15', true, keyUsage(isCA ? ['digitalSignature', 'keyEncipherment', 'keyCertSign'] : ['digitalSignature', 'keyEncipherment'])),
  ];
  if (req.usage !== 'ca') extensions.push(extension('2.5.29.37', false, seq(oid(req.usage === 'server' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2'))));
  extensions.push(extension('2.5.29.19', true, isCA ? seq(bool(true)) : seq()));
  const alt = [
    ...(req.dnsNames ?? []).map((d) => der(0x82, Buffer.from(d))),
    ...(req.ips ?? [])
      .filter((ip) => isIP(ip))
      .map((ip) => {
        const raw = Buffer.from(parseIPSloppy(ip)!);
        return der(0x87, isIP(ip) === 4 && raw.length === 16 ? raw.subarray(12) : raw);
      }),
  ];
  if (alt.length) extensions.push(extension('2.5.29.17', false, seq(...alt)));
  const now = Date.now();
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ecdsaWithSHA256,
    issuer,
    seq(time(new Date(now - 60_000)), time(new Date(now + (req.days ?? 365) * 86_400_000))),
    subject,
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, signer);
  const cert = seq(tbs, ecdsaWithSHA256, bits(signature));
  const pem = (label: string, body: Buffer) =>
    `-----BEGIN ${label}-----\n${body
      .toString('base64')
      .replace(/(.{64})/g, '$1\n')
      .replace(/\n$/, '')}\n-----END ${label}-----\n`;
  return { cert: pem('CERTIFICATE', cert), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
