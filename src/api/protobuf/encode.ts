// Protobuf encoding of responses, driven by the compiled messages (codec.ts): what gogo's
// generated MarshalToSizedBuffer writes for the Go value the JSON stands for (see codec.ts).
import type { Field, Message } from './codec.js';
import { utf8Length, varintSize, writeString, writeVarint } from './wire.js';

/**
 * The first pass's notes for the second, in the order both passes visit the fields: every
 * length (messages, strings, map entries), every time's seconds and nanos, and the texts the
 * first pass had to make (sorted map keys, FieldsV1 JSON).
 */
interface Plan {
  readonly sizes: number[];
  readonly texts: unknown[];
  s: number;
  t: number;
}

type JsonObject = Record<string, unknown>;

const asString = (v: unknown): string => (typeof v === 'string' ? v : '');
const asNumber = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);

/** Seconds and nanos of an RFC 3339 time; undefined for an absent or unreadable one (Go's zero time). */
function timeOf(v: unknown, micro: boolean): [number, number] | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  if (!micro) return [seconds, 0];
  const fraction = /\.(\d+)/.exec(v);
  const micros = fraction ? Number(`${fraction[1]}000000`.slice(0, 6)) : 0;
  return [seconds, micros * 1000];
}

function sizeMessage(m: Message, obj: JsonObject, plan: Plan): number {
  let n = 0;
  for (const f of m.fields) {
    const v = obj[f.json];
    if (f.repeated) {
      if (!Array.isArray(v)) continue;
      for (const item of v) n += f.keySize + sizeValue(f, item, plan);
    } else if (f.kind === 'stringMap' || f.kind === 'extraMap') {
      if (v && typeof v === 'object') n += sizeMap(f, v as JsonObject, plan);
    } else if (v === undefined || v === null) {
      if (f.presence !== 'pointer') n += f.keySize + sizeValue(f, undefined, plan);
    } else n += f.keySize + sizeValue(f, v, plan);
  }
  return n;
}

/** Bytes after the key; length-delimited values note their length in the plan. */
function sizeValue(f: Field, v: unknown, plan: Plan): number {
  switch (f.kind) {
    case 'string': {
      const len = utf8Length(asString(v));
      plan.sizes.push(len);
      return varintSize(len) + len;
    }
    case 'int32':
    case 'int64':
      return varintSize(asNumber(v));
    case 'bool':
      return 1;
    case 'message': {
      const at = plan.sizes.length;
      plan.sizes.push(0);
      const len = sizeMessage(f.message as Message, v && typeof v === 'object' ? (v as JsonObject) : {}, plan);
      plan.sizes[at] = len;
      return varintSize(len) + len;
    }
    case 'time':
    case 'microTime': {
      const t = timeOf(v, f.kind === 'microTime');
      if (!t) {
        plan.sizes.push(Number.NaN);
        return 1;
      }
      plan.sizes.push(t[0], t[1]);
      const len = 1 + varintSize(t[0]) + 1 + varintSize(t[1]);
      return 1 + len;
    }
    case 'intOrString': {
      if (typeof v === 'string') {
        const len = utf8Length(v);
        plan.sizes.push(len);
        const body = 2 + 2 + 1 + varintSize(len) + len;
        return varintSize(body) + body;
      }
      const body = 2 + 1 + varintSize(asNumber(v)) + 2;
      return varintSize(body) + body;
    }
    case 'fieldsV1': {
      const text = JSON.stringify(v);
      plan.texts.push(text);
      const len = Buffer.byteLength(text);
      const body = 1 + varintSize(len) + len;
      return varintSize(body) + body;
    }
    default:
      throw new Error(`protobuf: ${f.json}: a map is not a single value`);
  }
}

function sizeMap(f: Field, v: JsonObject, plan: Plan): number {
  const keys = Object.keys(v).sort();
  plan.texts.push(keys);
  let n = 0;
  for (const k of keys) {
    const klen = utf8Length(k);
    let entry = 1 + varintSize(klen) + klen;
    if (f.kind === 'stringMap') {
      const vlen = utf8Length(asString(v[k]));
      plan.sizes.push(klen, vlen);
      entry += 1 + varintSize(vlen) + vlen;
    } else {
      const items = Array.isArray(v[k]) ? (v[k] as unknown[]) : [];
      const at = plan.sizes.length;
      plan.sizes.push(klen, 0);
      let inner = 0;
      for (const item of items) {
        const len = utf8Length(asString(item));
        plan.sizes.push(len);
        inner += 1 + varintSize(len) + len;
      }
      plan.sizes[at + 1] = inner;
      entry += 1 + varintSize(inner) + inner;
    }
    plan.sizes.push(entry);
    n += f.keySize + varintSize(entry) + entry;
  }
  return n;
}

interface Out {
  buf: Buffer;
  pos: number;
}

function writeMessage(m: Message, obj: JsonObject, plan: Plan, out: Out): void {
  for (const f of m.fields) {
    const v = obj[f.json];
    if (f.repeated) {
      if (!Array.isArray(v)) continue;
      for (const item of v) {
        out.pos = writeVarint(out.buf, out.pos, f.key);
        writeValue(f, item, plan, out);
      }
    } else if (f.kind === 'stringMap' || f.kind === 'extraMap') {
      if (v && typeof v === 'object') writeMap(f, v as JsonObject, plan, out);
    } else if (v === undefined || v === null) {
      if (f.presence !== 'pointer') {
        out.pos = writeVarint(out.buf, out.pos, f.key);
        writeValue(f, undefined, plan, out);
      }
    } else {
      out.pos = writeVarint(out.buf, out.pos, f.key);
      writeValue(f, v, plan, out);
    }
  }
}

function writeValue(f: Field, v: unknown, plan: Plan, out: Out): void {
  const buf = out.buf;
  switch (f.kind) {
    case 'string': {
      const len = plan.sizes[plan.s++];
      out.pos = writeString(buf, writeVarint(buf, out.pos, len), asString(v), len);
      return;
    }
    case 'int32':
    case 'int64':
      out.pos = writeVarint(buf, out.pos, asNumber(v));
      return;
    case 'bool':
      buf[out.pos++] = v === true ? 1 : 0;
      return;
    case 'message': {
      const len = plan.sizes[plan.s++];
      out.pos = writeVarint(buf, out.pos, len);
      writeMessage(f.message as Message, v && typeof v === 'object' ? (v as JsonObject) : {}, plan, out);
      return;
    }
    case 'time':
    case 'microTime': {
      const seconds = plan.sizes[plan.s++];
      if (Number.isNaN(seconds)) {
        buf[out.pos++] = 0;
        return;
      }
      const nanos = plan.sizes[plan.s++];
      let pos = writeVarint(buf, out.pos, 2 + varintSize(seconds) + varintSize(nanos));
      buf[pos++] = 0x08;
      pos = writeVarint(buf, pos, seconds);
      buf[pos++] = 0x10;
      out.pos = writeVarint(buf, pos, nanos);
      return;
    }
    case 'intOrString': {
      let pos = out.pos;
      if (typeof v === 'string') {
        const len = plan.sizes[plan.s++];
        pos = writeVarint(buf, pos, 5 + varintSize(len) + len);
        buf[pos++] = 0x08;
        buf[pos++] = 1;
        buf[pos++] = 0x10;
        buf[pos++] = 0;
        buf[pos++] = 0x1a;
        pos = writeString(buf, writeVarint(buf, pos, len), v, len);
      } else {
        const n = asNumber(v);
        pos = writeVarint(buf, pos, 5 + varintSize(n));
        buf[pos++] = 0x08;
        buf[pos++] = 0;
        buf[pos++] = 0x10;
        pos = writeVarint(buf, pos, n);
        buf[pos++] = 0x1a;
        buf[pos++] = 0;
      }
      out.pos = pos;
      return;
    }
    case 'fieldsV1': {
      const text = plan.texts[plan.t++] as string;
      const len = Buffer.byteLength(text);
      let pos = writeVarint(buf, out.pos, 1 + varintSize(len) + len);
      buf[pos++] = 0x0a;
      pos = writeVarint(buf, pos, len);
      out.pos = pos + buf.write(text, pos, len, 'utf8');
      return;
    }
    default:
      throw new Error(`protobuf: ${f.json}: a map is not a single value`);
  }
}

function writeMap(f: Field, v: JsonObject, plan: Plan, out: Out): void {
  const buf = out.buf;
  const keys = plan.texts[plan.t++] as string[];
  for (const k of keys) {
    const klen = plan.sizes[plan.s++];
    let pos = writeVarint(buf, out.pos, f.key);
    if (f.kind === 'stringMap') {
      const vlen = plan.sizes[plan.s++];
      const entry = plan.sizes[plan.s++];
      pos = writeVarint(buf, pos, entry);
      buf[pos++] = 0x0a;
      pos = writeString(buf, writeVarint(buf, pos, klen), k, klen);
      buf[pos++] = 0x12;
      pos = writeString(buf, writeVarint(buf, pos, vlen), asString(v[k]), vlen);
    } else {
      const inner = plan.sizes[plan.s++];
      const items = Array.isArray(v[k]) ? (v[k] as unknown[]) : [];
      const lens: number[] = [];
      for (let i = 0; i < items.length; i++) lens.push(plan.sizes[plan.s++]);
      const entry = plan.sizes[plan.s++];
      pos = writeVarint(buf, pos, entry);
      buf[pos++] = 0x0a;
      pos = writeString(buf, writeVarint(buf, pos, klen), k, klen);
      buf[pos++] = 0x12;
      pos = writeVarint(buf, pos, inner);
      for (let i = 0; i < items.length; i++) {
        buf[pos++] = 0x0a;
        pos = writeString(buf, writeVarint(buf, pos, lens[i]), asString(items[i]), lens[i]);
      }
    }
    out.pos = pos;
  }
}

/** A message sized and ready to write: write it with writePlanned, once. */
export interface Planned {
  readonly message: Message;
  readonly obj: JsonObject;
  readonly plan: Plan;
  /** Bytes of the message (without a key or length of its own). */
  readonly length: number;
}

export function planMessage(message: Message, obj: JsonObject): Planned {
  const plan: Plan = { sizes: [], texts: [], s: 0, t: 0 };
  return { message, obj, plan, length: sizeMessage(message, obj, plan) };
}

/** Writes a planned message at pos; returns the position after it. */
export function writePlanned(p: Planned, buf: Buffer, pos: number): number {
  const out: Out = { buf, pos };
  writeMessage(p.message, p.obj, p.plan, out);
  if (out.pos !== pos + p.length) throw new Error(`protobuf: ${p.message.name} sized ${p.length} bytes but wrote ${out.pos - pos}`);
  return out.pos;
}

/** A JSON object as message m's bytes. */
export function encodeMessage(m: Message, obj: JsonObject): Buffer {
  const p = planMessage(m, obj);
  const buf = Buffer.allocUnsafe(p.length);
  writePlanned(p, buf, 0);
  return buf;
}
