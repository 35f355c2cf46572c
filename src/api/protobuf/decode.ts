// Protobuf decoding of request bodies, driven by the compiled messages (codec.ts): the JSON
// object a JSON request would carry, following the Go json tags (see codec.ts).
import { checkJsonDepth } from '../bodyGuard.js';
import type { Field, Kind, Message } from './codec.js';
import { ProtobufDecodeError, WIRE_BYTES, WIRE_END_GROUP, WIRE_VARINT, WireReader } from './wire.js';

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
