// The merge semantics structured-merge-diff needs (sigs.k8s.io/structured-merge-diff/schema),
// read from the same TypeBox schemas that decode requests and become the OpenAPI document: their
// x-kubernetes-list-type, x-kubernetes-list-map-keys and x-kubernetes-map-type keywords are the
// one source. As kube-openapi's schemaconv does, a list without a list type but with
// x-kubernetes-patch-strategy merge is a map keyed by its patch merge key (a set without one),
// and any other list is atomic.
import type { TSchema } from 'typebox';

export type MergeType =
  | { kind: 'scalar' }
  | { kind: 'struct'; fields: Map<string, MergeType>; atomic: boolean }
  | { kind: 'map'; values: MergeType; atomic: boolean }
  | { kind: 'list'; listType: 'atomic' | 'set' | 'map'; keys: string[]; sortedKeys: string[]; keyDefaults: Record<string, unknown>; items: MergeType }
  | { kind: 'untyped' };

const cache = new WeakMap<object, MergeType>();
const scalar: MergeType = { kind: 'scalar' };
const untyped: MergeType = { kind: 'untyped' };

/**
 * Defaults of list-map key fields that Go's types declare with +default (the ServicePort
 * protocol): structured-merge-diff fills a missing key from them.
 */
const keyDefaults: Record<string, unknown> = { protocol: 'TCP' };

export function mergeTypeOf(schema: TSchema): MergeType {
  const s = schema as Record<string, unknown>;
  const hit = cache.get(s);
  if (hit) return hit;
  let t: MergeType;
  if (s.type === 'object' && s.properties) {
    const fields = new Map<string, MergeType>();
    t = { kind: 'struct', fields, atomic: s['x-kubernetes-map-type'] === 'atomic' };
    cache.set(s, t);
    for (const [k, v] of Object.entries(s.properties as Record<string, TSchema>)) fields.set(k, mergeTypeOf(v));
    return t;
  }
  if (s.type === 'object' && (s.patternProperties || s.additionalProperties)) {
    const inner = (s.patternProperties ? Object.values(s.patternProperties as Record<string, TSchema>)[0] : s.additionalProperties) as TSchema;
    t = { kind: 'map', values: typeof inner === 'object' ? mergeTypeOf(inner) : untyped, atomic: s['x-kubernetes-map-type'] === 'atomic' };
  } else if (s.type === 'array') {
    const items = mergeTypeOf(s.items as TSchema);
    let listType = s['x-kubernetes-list-type'] as 'atomic' | 'set' | 'map' | undefined;
    let keys = (s['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
    if (!listType && s['x-kubernetes-patch-strategy'] === 'merge') {
      const key = s['x-kubernetes-patch-merge-key'] as string | undefined;
      listType = key ? 'map' : 'set';
      keys = key ? [key] : [];
    }
    const defaults: Record<string, unknown> = {};
    for (const k of keys) if (k in keyDefaults) defaults[k] = keyDefaults[k];
    t = { kind: 'list', listType: listType ?? 'atomic', keys, sortedKeys: [...keys].sort(), keyDefaults: defaults, items };
  } else if (s.type === 'object' || Object.keys(s).length === 0 || (!s.type && !s.oneOf && !s.anyOf)) {
    t = untyped;
  } else {
    t = scalar;
  }
  cache.set(s, t);
  return t;
}
