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
//
// decode.ts decodes and encode.ts encodes; this file compiles the schemas into messages.
import { protobufOf, type ProtobufModifier } from '../../model/protobuf.js';
import { WIRE_BYTES, WIRE_VARINT, varintSize } from './wire.js';

export { decodeMessage } from './decode.js';
export { encodeMessage, planMessage, writePlanned, type Planned } from './encode.js';

export type Kind = 'string' | 'int32' | 'int64' | 'bool' | 'time' | 'microTime' | 'intOrString' | 'fieldsV1' | 'message' | 'stringMap' | 'extraMap';

export type Presence = 'omitempty' | 'pointer' | 'required';

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
