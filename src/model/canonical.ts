// Objects leave svcplane shaped as Go's encoding/json writes the real types: struct fields in
// declaration order (our schemas list them in that order), map keys sorted, unknown fields
// dropped. The same walk reports the unknown fields, which kube-apiserver turns into warnings
// or, with fieldValidation=Strict, into a 400.
import type { TSchema } from 'typebox';

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
  if (Array.isArray(v)) return v.length === 0;
  if ((v === 0 || v === false) && omitZero.has(key)) return true;
  return false;
}

function walk(schema: SchemaNode, value: unknown, path: string, unknown: string[] | undefined): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (!schema.items) return value;
    return value.map((v, i) => walk(schema.items!, v, `${path}[${i}]`, unknown));
  }
  const obj = value as Record<string, unknown>;
  if (schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [key, sub] of Object.entries(schema.properties)) {
      const v = obj[key];
      if (sub.patternProperties && v && typeof v === 'object' && Object.keys(v).length === 0) continue;
      if (!isEmpty(key, v)) out[key] = walk(sub, v, path ? `${path}.${key}` : key, unknown);
    }
    if (unknown) {
      for (const key of Object.keys(obj)) if (!(key in schema.properties)) unknown.push(path ? `${path}.${key}` : key);
    }
    return out;
  }
  if (schema.patternProperties) {
    const sub = Object.values(schema.patternProperties)[0];
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj).sort()) if (obj[key] !== null) out[key] = walk(sub, obj[key], `${path}.${key}`, unknown);
    return out;
  }
  return value;
}
