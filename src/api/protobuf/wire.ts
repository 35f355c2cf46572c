// The protobuf wire format: a reader that reports every malformed input, truncation or absurd
// length as a ProtobufDecodeError (what Go's generated Unmarshal code reports, in its words), and
// the writer's primitives. Field numbers and what they mean live with the schemas (model/protobuf.ts).

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** The largest length-delimited field we accept (Go's protobuf rejects lengths that overflow int). */
const MAX_LENGTH = 0x7fffffff;
/** Nesting limit for skipped groups. */
const MAX_GROUP_DEPTH = 64;

const unexpectedEOF = () => new ProtobufDecodeError('proto: unexpected EOF');

export class WireReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A base-128 varint as an unsigned 64-bit value. */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw unexpectedEOF();
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufDecodeError('proto: integer overflow');
  }

  /** A field key: field number and wire type. */
  key(message: string): { field: number; wire: number } {
    const k = this.varint();
    if (k > 0xffffffffn) throw new ProtobufDecodeError(`proto: ${message}: illegal tag ${k}`);
    const n = Number(k);
    const field = Math.floor(n / 8);
    const wire = n & 7;
    if (field <= 0) throw new ProtobufDecodeError(`proto: ${message}: illegal tag ${field} (wire type ${wire})`);
    return { field, wire };
  }

  /** The [start, end) range of a length-delimited field's payload; the reader moves past it. */
  lengthDelimited(): { start: number; end: number } {
    const len = this.varint();
    if (len > BigInt(MAX_LENGTH)) throw new ProtobufDecodeError('proto: negative length found during unmarshaling');
    const n = Number(len);
    if (n > this.end - this.pos) throw unexpectedEOF();
    const start = this.pos;
    this.pos += n;
    return { start, end: this.pos };
  }

  string(): string {
    const { start, end } = this.lengthDelimited();
    return this.buf.toString('utf8', start, end);
  }

  bytes(): Buffer {
    const { start, end } = this.lengthDelimited();
    return this.buf.subarray(start, end);
  }

  /** A reader over an embedded message's bytes. */
  sub(): WireReader {
    const { start, end } = this.lengthDelimited();
    return new WireReader(this.buf, start, end);
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw unexpectedEOF();
    this.pos += n;
  }

  /** Skips the value of an unknown field whose key has just been read. */
  skip(wire: number, field: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP:
        this.skipGroup(field);
        return;
      case WIRE_END_GROUP:
        throw new ProtobufDecodeError('proto: unexpected end of group');
      default:
        throw new ProtobufDecodeError(`proto: illegal wireType ${wire}`);
    }
  }

  /** Skips a (deprecated) group up to its matching end-group key. */
  private skipGroup(field: number): void {
    const open = [field];
    while (open.length > 0) {
      if (this.done) throw unexpectedEOF();
      const { field: f, wire } = this.key('group');
      if (wire === WIRE_END_GROUP) {
        if (open.pop() !== f) throw new ProtobufDecodeError('proto: mismatched end group');
      } else if (wire === WIRE_START_GROUP) {
        if (open.length >= MAX_GROUP_DEPTH) throw new ProtobufDecodeError('proto: groups nested too deeply');
        open.push(f);
      } else {
        this.skip(wire, f);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing: callers size a message first, then write it into one Buffer of exactly that size.

/** Bytes of `n` (a non-negative integer below 2^53, or a negative one, as 10 bytes) as a varint. */
export function varintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  let v = Math.floor(n / 0x10000000);
  while (v > 0) {
    size++;
    v = Math.floor(v / 0x80);
  }
  return size;
}

/** Writes `n` as a varint at `pos`; a negative number is its 64-bit two's complement. Returns the new position. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n < 0) {
    let v = BigInt.asUintN(64, BigInt(n));
    for (let i = 0; i < 9; i++) {
      buf[pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    buf[pos++] = Number(v);
    return pos;
  }
  while (n >= 0x80) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

/** UTF-8 length of a string; ASCII (the usual case) without a call into C++. */
export function utf8Length(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return n;
}

/** Writes a string whose UTF-8 length is `len`; short ASCII strings byte by byte. */
export function writeString(buf: Buffer, pos: number, s: string, len: number): number {
  if (len === s.length && len < 48) {
    for (let i = 0; i < len; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + len;
  }
  return pos + buf.write(s, pos, len, 'utf8');
}
