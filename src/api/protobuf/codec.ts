// One protobuf codec for every kind, driven by the field numbers kept beside the TypeBox schemas
// (model/protobuf.ts). A schema compiles once into a Message: its fields in field-number order,
// each with its wire kind read from the schema (string, integer, boolean, array, map, nested
// object, date-time, int-or-string) and the facts the schema cannot say (pointer, int32,
// MicroTime, FieldsV1).
//
// Decoding (request bodies) yields the JSON object a JSON request would carry, following the
// Go json tags: a field with omitempty is dropped when zero (gogo marshals non-pointer fields
// even when zero, so presence on the wire means nothing for them); a pointer field is kept
// whenever it is on the wire (allocateLoadBalancerNodePorts=false survives); a field without
// omitempty is always emitted. Zero times and empty non-pointer structs are omitted.
//
// Encoding (responses) writes what gogo's generated MarshalToSizedBuffer writes for the Go value
// the JSON stands for: fields in field-number order, non-pointer fields always (as their zero
// value when the JSON lacks them, a zero Time as an empty message), pointer fields only when
// set, map entries sorted by key. It sizes the message first, noting every length on the way,
// then writes into one Buffer of exactly that size.
import { checkJsonDepth } from '../bodyGuard.js';
import { protobufOf, type ProtobufModifier } from '../../model/protobuf.js';
import { ProtobufDecodeError, WIRE_BYTES, WIRE_END_GROUP, WIRE_VARINT, WireReader, utf8Length, varintSize, writeString, writeVarint } from './wire.js';

type Kind = 'string' | 'int32' | 'int64' | 'bool' | 'time' | 'microTime' | 'intOrString' | 'fieldsV1' | 'message' | 'stringMap' | 'extraMap';

type Presence = 'omitempty' | 'pointer' | 'required';

export interface Field {
  readonly json: string;
  readonly no: number;
  readonly kind: Kind;
  readonly repeated: boolean;
  readonly presence: Presence;
  /** A repeated field the schema requires: decoded as [] when absent (Go's nil slice, written as null, which JSON decoding drops). */
  readonly emptyList: boolean;
  readonly message: Message | undefined;
  /** The field's key, (number << 3) | wire type, and its varint size. */
  readonly key: number;
  readonly keySize: number;
}

export interface Message {
  /** The proto name, as generated.proto declares it (k8s.io.api.core.v1.Service). */
  readonly fullName: string;
  /** The message's own name (Service), as Go's generated code names it in errors. */
  readonly name: string;
  readonly fields: Field[];
  readonly byNumber: Map<number, Field>;
}

type Schema = Record<string, unknown>;

const compiled = new WeakMap<object, Message>();

/** The compiled message of a schema that has protobuf facts, else undefined. Throws on a gap in the facts. */
export function messageOf(schema: unknown): Message | undefined {
  const facts = protobufOf(schema);
  if (!facts) return undefined;
  const done = compiled.get(facts);
  if (done) return done;
  const message: Message = { fullName: facts.name, name: facts.name.slice(facts.name.lastIndexOf('.') + 1), fields: [], byNumber: new Map() };
  compiled.set(facts, message);
  const properties = ((schema as Schema).properties ?? {}) as Record<string, Schema>;
  const required = new Set(((schema as Schema).required ?? []) as string[]);
  for (const [json, property] of Object.entries(properties)) {
    const fact = facts.fields[json];
    if (fact === undefined) {
      // TypeMeta is not in the message: the runtime.Unknown envelope carries kind and apiVersion.
      if (json === 'kind' || json === 'apiVersion') continue;
      throw new Error(`protobuf: ${facts.name} has no field number for ${json}`);
    }
    const [no, ...modifiers] = typeof fact === 'number' ? [fact] : fact;
    const field = compileField(facts.name, json, no, modifiers, property, required.has(json));
    if (message.byNumber.has(no)) throw new Error(`protobuf: ${facts.name} numbers two fields ${no}`);
    message.fields.push(field);
    message.byNumber.set(no, field);
  }
  for (const json of Object.keys(facts.fields)) if (!(json in properties)) throw new Error(`protobuf: ${facts.name} numbers ${json}, which its schema lacks`);
  message.fields.sort((a, b) => a.no - b.no);
  return message;
}

function compileField(owner: string, json: string, no: number, modifiers: ProtobufModifier[], property: Schema, required: boolean): Field {
  let schema = property;
  let repeated = false;
  if (schema.type === 'array') {
    repeated = true;
    schema = schema.items as Schema;
  }
  let kind: Kind;
  let message: Message | undefined;
  const patterns = schema.patternProperties as Record<string, Schema> | undefined;
  if (modifiers.includes('fieldsV1')) kind = 'fieldsV1';
  else if (schema.format === 'int-or-string') kind = 'intOrString';
  else if (schema.type === 'string') kind = schema.format === 'date-time' ? (modifiers.includes('micro') ? 'microTime' : 'time') : 'string';
  else if (schema.type === 'integer') kind = modifiers.includes('int32') ? 'int32' : 'int64';
  else if (schema.type === 'boolean') kind = 'bool';
  else if (schema.type === 'object' && patterns) {
    const value = Object.values(patterns)[0] ?? {};
    if (value.type === 'string') kind = 'stringMap';
    else if (value.type === 'array') kind = 'extraMap';
    else throw new Error(`protobuf: ${owner}.${json} is a map of a kind the codec does not know`);
  } else if (schema.type === 'object') {
    message = messageOf(schema);
    if (!message) throw new Error(`protobuf: ${owner}.${json} is an object without field numbers`);
    kind = 'message';
  } else throw new Error(`protobuf: ${owner}.${json} has a type the codec does not know`);
  const presence: Presence = modifiers.includes('pointer') ? 'pointer' : modifiers.includes('required') ? 'required' : 'omitempty';
  const wire = kind === 'int32' || kind === 'int64' || kind === 'bool' ? WIRE_VARINT : WIRE_BYTES;
  const key = no * 8 + wire;
  return { json, no, kind, repeated, presence, emptyList: repeated && required, message, key, keySize: varintSize(key) };
}

// ---------------------------------------------------------------------------------------------
// Decoding

type Scalar = string | number | boolean;
type Value = Scalar | State | Scalar[] | State[] | Map<string, string | string[]> | unknown;

interface State {
  readonly message: Message;
  readonly values: Map<number, Value>;
}

const wrongWireType = (m: Message, f: Field, wire: number) => new ProtobufDecodeError(`proto: ${m.name}: wrong wireType = ${wire} for field ${f.json}`);

function isState(v: unknown): v is State {
  return typeof v === 'object' && v !== null && (v as State).values instanceof Map && 'message' in v;
}

/** The fields of a small fixed message (Time, IntOrString, FieldsV1, map entries) by number. */
function smallMessage(r: WireReader, name: string, read: (no: number, wire: number) => boolean): void {
  while (!r.done) {
    const { field: no, wire } = r.key(name);
    if (!read(no, wire)) r.skip(wire, no);
  }
}

const int32 = (r: WireReader) => Number(BigInt.asIntN(32, r.varint()));
const int64 = (r: WireReader) => Number(BigInt.asIntN(64, r.varint()));

/** time.Time{}.Unix(): what Go's zero time encodes as, if a client ever sends it. */
const GO_ZERO_TIME_SECONDS = -62135596800;

function readTime(r: WireReader, micro: boolean): string | undefined {
  let seconds: number | undefined;
  let nanos: number | undefined;
  smallMessage(r, micro ? 'MicroTime' : 'Time', (no, wire) => {
    if ((no === 1 || no === 2) && wire !== WIRE_VARINT) throw new ProtobufDecodeError(`proto: Time: wrong wireType = ${wire} for field ${no}`);
    if (no === 1) seconds = int64(r);
    else if (no === 2) nanos = int32(r);
    else return false;
    return true;
  });
  if (seconds === undefined && nanos === undefined) return undefined;
  const s = seconds ?? 0;
  const n = nanos ?? 0;
  if (s === GO_ZERO_TIME_SECONDS && n === 0) return undefined;
  // Go's time.Unix normalises nanos outside [0, 1e9) into seconds; Time drops sub-seconds.
  const total = s + Math.floor(n / 1e9);
  const date = new Date(total * 1000);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 0 || year > 9999) {
    throw new ProtobufDecodeError(`Time.MarshalJSON: year outside of range [0,9999] (seconds=${s})`);
  }
  const text = date.toISOString();
  if (!micro) return text.replace(/\.\d{3}Z$/, 'Z');
  const micros = Math.floor((((n % 1e9) + 1e9) % 1e9) / 1000);
  return `${text.slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

function readIntOrString(r: WireReader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  smallMessage(r, 'IntOrString', (no, wire) => {
    const want = no === 3 ? WIRE_BYTES : WIRE_VARINT;
    if (no >= 1 && no <= 3 && wire !== want) throw new ProtobufDecodeError(`proto: IntOrString: wrong wireType = ${wire} for field ${no}`);
    if (no === 1) type = int64(r);
    else if (no === 2) intVal = int32(r);
    else if (no === 3) strVal = r.string();
    else return false;
    return true;
  });
  if (type === 0) return intVal;
  if (type === 1) return strVal;
  throw new ProtobufDecodeError(`impossible IntOrString.Type ${type}`);
}

function readFieldsV1(r: WireReader): unknown {
  let raw: Buffer | undefined;
  smallMessage(r, 'FieldsV1', (no, wire) => {
    if (no !== 1) return false;
    if (wire !== WIRE_BYTES) throw new ProtobufDecodeError(`proto: FieldsV1: wrong wireType = ${wire} for field Raw`);
    raw = r.bytes();
    return true;
  });
  if (!raw || raw.length === 0) return undefined;
  try {
    const text = raw.toString('utf8');
    checkJsonDepth(text);
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProtobufDecodeError(`FieldsV1: invalid JSON: ${(err as Error).message}`);
  }
}

/** One map entry {key = 1, value = 2}; the value a string, or an ExtraValue {items = 1}. */
function readMapEntry(r: WireReader, m: Message, f: Field, into: Map<string, string | string[]>): void {
  let key = '';
  let value: string | string[] = f.kind === 'extraMap' ? [] : '';
  smallMessage(r, `${m.name}.${f.json}`, (no, wire) => {
    if (no !== 1 && no !== 2) return false;
    if (wire !== WIRE_BYTES) throw wrongWireType(m, f, wire);
    if (no === 1) key = r.string();
    else if (f.kind === 'stringMap') value = r.string();
    else {
      const items: string[] = [];
      const sub = r.sub();
      smallMessage(sub, 'ExtraValue', (n, w) => {
        if (n !== 1) return false;
        if (w !== WIRE_BYTES) throw wrongWireType(m, f, w);
        items.push(sub.string());
        return true;
      });
      value = items;
    }
    return true;
  });
  into.set(key, value);
}

function readSingle(r: WireReader, f: Field): unknown {
  switch (f.kind) {
    case 'string':
      return r.string();
    case 'int32':
      return int32(r);
    case 'int64':
      return int64(r);
    case 'bool':
      return r.varint() !== 0n;
    case 'time':
    case 'microTime':
      return readTime(r.sub(), f.kind === 'microTime');
    case 'intOrString':
      return readIntOrString(r.sub());
    case 'fieldsV1':
      return readFieldsV1(r.sub());
    default:
      throw new ProtobufDecodeError(`proto: unexpected field kind ${f.kind}`);
  }
}

/** Decodes a message's fields into state; a message seen twice merges, as proto requires. */
function decodeInto(r: WireReader, state: State): void {
  const { message: m, values } = state;
  while (!r.done) {
    const { field: no, wire } = r.key(m.name);
    if (wire === WIRE_END_GROUP) throw new ProtobufDecodeError(`proto: ${m.name}: wiretype end group for non-group`);
    const f = m.byNumber.get(no);
    if (!f) {
      r.skip(wire, no);
      continue;
    }
    const expected = f.kind === 'int32' || f.kind === 'int64' || f.kind === 'bool' ? WIRE_VARINT : WIRE_BYTES;
    if (wire !== expected) throw wrongWireType(m, f, wire);
    if (f.kind === 'stringMap' || f.kind === 'extraMap') {
      let entries = values.get(no);
      if (!(entries instanceof Map)) {
        entries = new Map<string, string | string[]>();
        values.set(no, entries);
      }
      readMapEntry(r.sub(), m, f, entries as Map<string, string | string[]>);
    } else if (f.kind === 'message') {
      const sub = r.sub();
      const message = f.message as Message;
      if (f.repeated) {
        const child: State = { message, values: new Map() };
        decodeInto(sub, child);
        const list = values.get(no);
        if (Array.isArray(list)) (list as State[]).push(child);
        else values.set(no, [child]);
      } else {
        const existing = values.get(no);
        const child = isState(existing) ? existing : { message, values: new Map<number, Value>() };
        decodeInto(sub, child);
        values.set(no, child);
      }
    } else {
      const value = readSingle(r, f);
      if (f.repeated) {
        const list = values.get(no);
        if (Array.isArray(list)) list.push(value);
        else values.set(no, [value]);
      } else if (value !== undefined) values.set(no, value);
    }
  }
}

/** Sets an own property, even for a key such as "__proto__" (labels are user data). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function zeroOf(kind: Kind): unknown {
  switch (kind) {
    case 'string':
      return '';
    case 'int32':
    case 'int64':
    case 'intOrString':
      return 0;
    case 'bool':
      return false;
    default:
      return undefined;
  }
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Decoded state as the JSON object Go's encoding/json would write for it. */
function finish(state: State): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of state.message.fields) {
    const v = state.values.get(f.no);
    if (f.kind === 'stringMap' || f.kind === 'extraMap') {
      if (v instanceof Map && v.size > 0) {
        const obj: Record<string, unknown> = {};
        for (const [k, val] of v) setOwn(obj, k, val);
        setOwn(out, f.json, obj);
      }
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(v) || v.length === 0) {
        if (f.emptyList) setOwn(out, f.json, []);
        continue;
      }
      setOwn(out, f.json, f.kind === 'message' ? (v as State[]).map(finish) : v);
      continue;
    }
    let value: unknown;
    if (f.kind === 'message') {
      if (!isState(v)) continue;
      value = finish(v);
    } else if (f.kind === 'time' || f.kind === 'microTime' || f.kind === 'fieldsV1') {
      if (v === undefined) continue;
      value = v;
    } else {
      if (v === undefined && f.presence === 'pointer') continue;
      value = v ?? zeroOf(f.kind);
    }
    if (f.presence === 'omitempty' && isEmpty(value)) continue;
    setOwn(out, f.json, value);
  }
  return out;
}

/** Decodes the bytes [start, end) of buf as message m, into its JSON form. */
export function decodeMessage(m: Message, buf: Buffer, start = 0, end = buf.length): Record<string, unknown> {
  const state: State = { message: m, values: new Map() };
  decodeInto(new WireReader(buf, start, end), state);
  return finish(state);
}

// ---------------------------------------------------------------------------------------------
// Encoding

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
