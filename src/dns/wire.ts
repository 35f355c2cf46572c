// DNS messages in and out, through dns-packet: which requests are answered at all, EDNS0, and
// fitting a reply into the room the client has (truncation). The server-side rules are those of
// CoreDNS's server (miekg/dns's DefaultMsgAcceptFunc, request.Scrub, edns.Version).
import type { Answer, OptAnswer } from 'dns-packet';
import dnsPacket from 'dns-packet';
import { Rcode, type Reply } from './answers.js';

export interface Query {
  id: number;
  /** The request's RD and CD bits, which the reply copies (miekg's SetReply). */
  echoFlags: number;
  /** The question's name without the trailing dot ('' for the root). */
  name: string;
  type: string;
  qclass: string;
  /** The question section as it arrived: echoed byte for byte, whatever its case or content. */
  question: Buffer;
  /**
   * false when the name is not what dns-packet's text makes of it (a label holding a dot or bytes
   * that are not UTF-8, a compression pointer): such a name can match nothing this server holds.
   */
  plainName: boolean;
  /** Present when the request carries an OPT record. */
  edns?: { udpSize: number; dnssecOk: boolean; version: number };
}

export type Incoming = { kind: 'drop' } | { kind: 'reject'; reply: Buffer } | { kind: 'query'; query: Query };

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const CD = 0x0010;
const DO = 0x8000;
/** RFC 6891: the EDNS version this server speaks; a request for another gets BADVERS (16). */
const badVersion = 16;
/** Smallest size a UDP reply may be cut to, whatever the client advertises (RFC 6891 6.2.5). */
export const minUdpSize = 512;
/** Largest UDP payload over IPv4; a larger advertised size cannot be used. */
export const maxUdpSize = 65507;
/** The 16-bit length prefix of DNS over TCP. */
export const maxTcpSize = 65535;

const drop: Incoming = { kind: 'drop' };

function headerOnly(id: number, flags: number, rcode: number): Buffer {
  const opcode = flags & 0x7800;
  return dnsPacket.encode({ type: 'response', id, flags: opcode | (flags & RD) | rcode });
}

/** Where the question's name ends: labels, or a compression pointer (2 bytes), or the root. */
function nameEnd(buf: Buffer, offset: number): number {
  for (;;) {
    const len = buf[offset];
    if (len === undefined) return buf.length;
    if (len === 0) return offset + 1;
    if ((len & 0xc0) === 0xc0) return offset + 2;
    offset += len + 1;
  }
}

/**
 * Reads one request. Nothing is answered to a packet too short to hold a header or to a
 * response (answering responses can loop two servers); a header that can be read but a request
 * that cannot gets FORMERR (NOTIMP for an opcode other than QUERY), with no question section.
 */
export function readQuery(buf: Buffer): Incoming {
  if (buf.length < 12) return drop;
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & QR) return drop;
  if ((flags >> 11) & 0xf) return { kind: 'reject', reply: headerOnly(id, flags, Rcode.NOTIMP) };
  const formErr: Incoming = { kind: 'reject', reply: headerOnly(id, flags, Rcode.FORMERR) };
  // miekg/dns's DefaultMsgAcceptFunc: one question, at most one answer and one authority record
  // (NOTIFY, IXFR), at most two additional (OPT, TSIG).
  if (buf.readUInt16BE(4) !== 1 || buf.readUInt16BE(6) > 1 || buf.readUInt16BE(8) > 1 || buf.readUInt16BE(10) > 2) return formErr;
  let decoded: ReturnType<typeof dnsPacket.decode>;
  try {
    decoded = dnsPacket.decode(buf);
  } catch {
    return formErr;
  }
  const q = decoded.questions?.[0];
  if (!q) return formErr;
  const end = nameEnd(buf, 12);
  const question = buf.subarray(12, end + 4);
  const name = q.name === '.' ? '' : q.name;
  let plainName = false;
  try {
    plainName = dnsPacket
      .encode({ questions: [{ name: name || '.', type: 'A' }] })
      .subarray(12, -4)
      .equals(buf.subarray(12, end));
  } catch {}
  const opts = (decoded.additionals ?? []).filter((rr): rr is OptAnswer => rr.type === 'OPT');
  // RFC 6891 6.1.1: more than one OPT is a format error.
  if (opts.length > 1) return formErr;
  const opt = opts[0];
  return {
    kind: 'query',
    query: {
      id,
      echoFlags: flags & (RD | CD),
      name,
      type: q.type,
      qclass: q.class ?? 'IN',
      question,
      plainName,
      edns: opt && { udpSize: opt.udpPayloadSize, dnssecOk: (opt.flags & DO) !== 0, version: opt.ednsVersion },
    },
  };
}

/** The reply to a request for an EDNS version other than 0 (CoreDNS's edns.Version). */
export function badVersionReply(): Reply {
  return { rcode: badVersion, authoritative: false, answers: [], authorities: [], additionals: [] };
}

/** How many bytes a UDP reply to `query` may take: the client's EDNS size, 512 without EDNS. */
export function udpRoom(query: Query): number {
  return Math.min(maxUdpSize, Math.max(minUdpSize, query.edns?.udpSize ?? 0));
}

const recordLength = (rr: Answer) => dnsPacket.encodingLength({ answers: [rr] }) - 12;

/**
 * Encodes a reply in at most `room` bytes. As miekg's Msg.Truncate (which CoreDNS applies to
 * every reply): records are kept in order until one does not fit, nothing after it is kept, and
 * TC is set when answer or authority records were left out (glue may go silently). The OPT
 * record is always kept. dns-packet writes names uncompressed, so fewer records fit than in
 * CoreDNS's compressed replies; over TCP the reply is complete.
 */
export function writeReply(query: Query, reply: Reply, room: number): Buffer {
  const opt: Answer[] = [];
  if (query.edns) {
    // request.SizeAndDo: the client's size echoed, version 0, the DO bit copied.
    opt.push({
      name: '.',
      type: 'OPT',
      udpPayloadSize: query.edns.udpSize,
      extendedRcode: reply.rcode >> 4,
      ednsVersion: 0,
      flags: query.edns.dnssecOk ? DO : 0,
      flag_do: query.edns.dnssecOk,
      options: [],
    });
  }
  let left = room - 12 - query.question.length - opt.reduce((n, rr) => n + recordLength(rr), 0);
  let full = false;
  const fit = (records: Answer[]): Answer[] => {
    if (full) return [];
    for (let i = 0; i < records.length; i++) {
      const n = recordLength(records[i]);
      if (n > left) {
        full = true;
        return records.slice(0, i);
      }
      left -= n;
    }
    return records;
  };
  const answers = fit(reply.answers);
  const authorities = fit(reply.authorities);
  const additionals = fit(reply.additionals);
  const truncated = answers.length < reply.answers.length || authorities.length < reply.authorities.length;
  const flags = query.echoFlags | (reply.authoritative ? AA : 0) | (truncated ? TC : 0) | (reply.rcode & 0xf);
  const body = dnsPacket.encode({ type: 'response', id: query.id, flags, answers, authorities, additionals: [...additionals, ...opt] });
  // The question goes back as it came; dns-packet's text form of a name need not round-trip.
  const out = Buffer.concat([body.subarray(0, 12), query.question, body.subarray(12)]);
  out.writeUInt16BE(1, 4);
  return out;
}
