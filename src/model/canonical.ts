// Objects leave svcplane shaped as Go's encoding/json writes the real types: struct fields in
// declaration order (our schemas list them in that order), map keys sorted, unknown fields
// dropped. The same walk reports the unknown fields, which kube-apiserver turns into warnings
// or, with fieldValidation=Strict, into a 400.
import type { TSchema } from 'typebox';
import { setOwn } from './ownProperty.js';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
}

export function canonicalize<T>(schema: TSchema, value: T, unknown?: string[]): T {
  return walk(schema as SchemaNode, value, '', unknown) as T;
}

// Go fields that are plain (non-pointer) numbers or bools with omitempty: their zero value means
// "unset" and is not written. Pointer fields (allocateLoadBalancerNodePorts, ...) keep false/0.
const omitZero = new Set(['nodePort', 'healthCheckNodePort', 'publishNotReadyAddresses', 'generation']);

function isEmpty(key: string, v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  // An explicit empty managedFields is a request to reset them (the field manager's
  // isResetManagedFields), so decoding keeps it; the field manager never stores one.
  if (Array.isArray(v)) return v.length === 0 && key !== 'managedFields';
  if ((v === 0 || v === false) && omitZero.has(key)) return true;
  return false;
}

// The schema's property lists, walked once per create on the hot path, are read once per node.
const fieldsOf = new WeakMap<SchemaNode, [string, SchemaNode][]>();

function fields(schema: SchemaNode): [string, SchemaNode][] {
  let f = fieldsOf.get(schema);
  if (!f) fieldsOf.set(schema, (f = Object.entries(schema.properties!)));
  return f;
}

// Paths are only built when unknown fields are being collected (request decoding).
const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

function walk(schema: SchemaNode, value: unknown, path: string, unknown: string[] | undefined): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (!schema.items) return value;
    return value.map((v, i) => walk(schema.items!, v, unknown ? `${path}[${i}]` : '', unknown));
  }
  const obj = value as Record<string, unknown>;
  if (schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [key, sub] of fields(schema)) {
      const v = obj[key];
      if (isEmpty(key, v)) continue;
      if (sub.patternProperties && typeof v === 'object' && Object.keys(v as object).length === 0) continue;
      out[key] = walk(sub, v, unknown ? child(path, key) : '', unknown);
    }
    if (unknown) {
      for (const key of Object.keys(obj)) if (!Object.hasOwn(schema.properties, key)) unknown.push(child(path, key));
    }
    return out;
  }
  if (schema.patternProperties) {
    const sub = Object.values(schema.patternProperties)[0];
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj).sort()) if (obj[key] !== null) setOwn(out, key, walk(sub, obj[key], unknown ? `${path}.${key}` : '', unknown));
    return out;
  }
  return value;
}
