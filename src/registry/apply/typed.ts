// structured-merge-diff's typed operations over plain JSON values and a MergeType: the field
// set of an object (typed/tofieldset.go), the comparison of two objects (typed/compare.go), the
// merge of an applied configuration into the live object (typed/merge.go, including its list
// order), and the removal of a set of fields (typed/remove.go).
import { setOwn } from '../../model/ownProperty.js';
import { comparePE, FieldSet } from './fieldSet.js';
import type { MergeType } from './mergeType.js';

type Obj = Record<string, unknown>;
type ListType = Extract<MergeType, { kind: 'list' }>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An invalid applied configuration (a duplicate or keyless map-list entry, a field not in the schema). */
export class TypedError extends Error {}

function goValue(v: unknown): string {
  return JSON.stringify(v);
}

/** The path element of a list item: `k:{...}` with the keys sorted, `v:value`, or `i:index`. */
export function itemElement(t: ListType, item: unknown, index: number, path: () => string): string {
  if (t.listType === 'map') {
    const key: Obj = {};
    for (const k of t.sortedKeys) {
      let v = isObj(item) ? item[k] : undefined;
      if (v === undefined || v === null) v = t.keyDefaults[k];
      if (v === undefined || v === null) {
        throw new TypedError(
          `${path()}: element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`,
        );
      }
      key[k] = v;
    }
    return `k:${JSON.stringify(key)}`;
  }
  if (t.listType === 'set') return `v:${goValue(item)}`;
  return `i:${index}`;
}

/**
 * itemElement for a stored object, which may hold what an applied configuration may not (an
 * item without its keys): such an item is addressed by its index.
 */
function lenientElement(t: ListType, item: unknown, index: number): string {
  try {
    return itemElement(t, item, index, () => '');
  } catch {
    return `i:${index}`;
  }
}

function fieldType(t: MergeType, key: string): MergeType | undefined {
  if (t.kind === 'struct') return t.fields.get(key);
  if (t.kind === 'map') return t.values;
  if (t.kind === 'untyped') return t;
  return undefined;
}

/**
 * ToFieldSet. `strict` refuses fields the schema does not declare (an applied configuration);
 * stored objects are always in the schema.
 */
export function toFieldSet(value: unknown, t: MergeType, strict = false, where = ''): FieldSet {
  const set = new FieldSet();
  walkSet(value, t, set, strict, where);
  return set;
}

function walkSet(value: unknown, t: MergeType, node: FieldSet, strict: boolean, where: string): void {
  switch (t.kind) {
    case 'scalar':
      node.member = true;
      return;
    case 'list':
      if (t.listType === 'atomic') {
        node.member = true;
        return;
      }
      if (!Array.isArray(value)) {
        if (value === null || value === undefined) return;
        node.member = true;
        return;
      }
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const pe = itemElement(t, item, i, () => where);
        const child = node.child(pe);
        if (child.member && strict) throw new TypedError(`${where}: duplicate entries for key ${pe.slice(2)}`);
        walkSet(item, t.items, child, strict, `${where}[${i}]`);
        child.member = true;
      }
      return;
    default: {
      // An untyped object is a granular map; any other untyped value a leaf.
      if ((t.kind === 'untyped' && !isObj(value)) || (t.kind !== 'untyped' && t.atomic)) {
        node.member = true;
        return;
      }
      if (!isObj(value)) {
        if (value !== undefined) node.member = true;
        return;
      }
      for (const key of Object.keys(value)) {
        const v = value[key];
        const ft = fieldType(t, key);
        if (!ft) {
          if (strict) throw new TypedError(`${where}.${key}: field not declared in schema`);
          continue;
        }
        const child = node.child(`f:${key}`);
        walkSet(v, ft, child, strict, `${where}.${key}`);
        if (v === null || (isObj(v) && Object.keys(v).length === 0) || t.kind !== 'struct') child.member = true;
      }
      return;
    }
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a as Obj);
  if (ka.length !== Object.keys(b as Obj).length) return false;
  for (const k of ka) if (!Object.hasOwn(b as Obj, k) || !deepEqual((a as Obj)[k], (b as Obj)[k])) return false;
  return true;
}

export interface Comparison {
  /** Added or modified: every path only the new object has (containers included) and every changed leaf. */
  changed: FieldSet;
  removed: FieldSet;
}

/**
 * typed.Compare: a path that only one side has is added or removed as a whole (a container
 * too, which is why an update's entry shows `.` on a list or map it created), a leaf whose
 * value differs is modified.
 */
export function compare(live: unknown, next: unknown, t: MergeType): Comparison {
  const changed = new FieldSet();
  const removed = new FieldSet();
  diff(live, next, t, changed, removed);
  return { changed, removed };
}

/**
 * compare(zero, next).changed for a create, in one walk with no removed side: everything next
 * has is added (containers as members too), except the containers the kind's zero value has.
 */
export function createdSet(next: unknown, zero: unknown, t: MergeType): FieldSet {
  const out = new FieldSet();
  added(next, t, out, zero);
  return out;
}

function added(v: unknown, t: MergeType, node: FieldSet, zero?: unknown): void {
  if (v === undefined) return;
  if (zero === undefined) {
    if (v === null) return;
    node.member = true;
  }
  if (isLeaf(t, v)) {
    if (zero !== undefined && !deepEqual(zero, v)) node.member = true;
    return;
  }
  if (t.kind === 'list') {
    const list = v as unknown[];
    for (let i = 0; i < list.length; i++) {
      const pe = lenientElement(t, list[i], i);
      added(list[i], t.items, node.child(pe));
    }
    return;
  }
  const o = v as Obj;
  const z = isObj(zero) ? zero : undefined;
  for (const key of Object.keys(o)) {
    const ft = fieldType(t, key);
    if (!ft) continue;
    const c = new FieldSet();
    added(o[key], ft, c, z && Object.hasOwn(z, key) ? z[key] : undefined);
    attach(node, `f:${key}`, c);
  }
}

/**
 * createdSet, then the field manager's strip, then FieldSet.toFieldsV1, in one walk that builds
 * the FieldsV1 JSON directly: the managedFields of nearly every create, where the three steps
 * cost more than the rest of the bookkeeping. `skip` lists, per depth from the top, the fields
 * stripMeta and the reset fields drop there (top level; the metadata's own fields).
 * Undefined: nothing created.
 */
export function createdFieldsV1(next: unknown, zero: unknown, t: MergeType, skipTop: ReadonlySet<string>, skipMeta: ReadonlySet<string>): Obj | undefined {
  if (!isObj(next) || t.kind !== 'struct') return undefined;
  const z = isObj(zero) ? zero : undefined;
  const out: [string, unknown][] = [];
  for (const key of Object.keys(next)) {
    if (skipTop.has(key)) continue;
    const ft = t.fields.get(key);
    if (!ft) continue;
    const zk = z && Object.hasOwn(z, key) ? z[key] : undefined;
    let f: unknown;
    if (key === 'metadata' && isObj(next[key]) && ft.kind === 'struct') {
      // stripMeta: the metadata node itself is never a member, nor are its server-set fields.
      f = fieldsOfStruct(next[key] as Obj, ft, false, isObj(zk) ? zk : undefined, skipMeta);
    } else {
      f = createdNode(next[key], ft, zk);
    }
    if (f !== undefined) out.push([`f:${key}`, f]);
  }
  return out.length ? fromSorted(out, false) : undefined;
}

const noSkip: ReadonlySet<string> = new Set();

/** One node's FieldsV1, or undefined when it holds nothing (added(), then toFieldsV1). */
function createdNode(v: unknown, t: MergeType, zero: unknown): unknown {
  if (v === undefined) return undefined;
  let member = false;
  if (zero === undefined) {
    if (v === null) return undefined;
    member = true;
  }
  if (isLeaf(t, v)) {
    if (zero !== undefined && !deepEqual(zero, v)) member = true;
    return member ? {} : undefined;
  }
  if (t.kind === 'list') {
    const list = v as unknown[];
    const out: [string, unknown][] = [];
    for (let i = 0; i < list.length; i++) {
      const pe = lenientElement(t, list[i], i);
      const f = createdNode(list[i], t.items, undefined);
      if (f === undefined) continue;
      // A duplicate key merges into the first entry's node, as FieldSet.child does.
      const dup = out.find((e) => e[0] === pe);
      if (dup) {
        const { '.': _member, ...merged } = { ...(dup[1] as Obj), ...(f as Obj) };
        dup[1] = fromSorted(Object.entries(merged), true);
      } else out.push([pe, f]);
    }
    return fromSorted(out, member);
  }
  return fieldsOfStruct(v as Obj, t, member, isObj(zero) ? zero : undefined, noSkip);
}

function fieldsOfStruct(o: Obj, t: MergeType, member: boolean, z: Obj | undefined, skip: ReadonlySet<string>): unknown {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(o)) {
    if (skip.has(key)) continue;
    const ft = fieldType(t, key);
    if (!ft) continue;
    const f = createdNode(o[key], ft, z && Object.hasOwn(z, key) ? z[key] : undefined);
    if (f !== undefined) out.push([`f:${key}`, f]);
  }
  return fromSorted(out, member);
}

/** A node's FieldsV1 from its children: `.` first for a member with children, then PathElement order. */
function fromSorted(children: [string, unknown][], member: boolean): Obj | undefined {
  if (children.length === 0) return member ? {} : undefined;
  if (children.length > 1) children.sort((a, b) => comparePE(a[0], b[0]));
  const out: Obj = member ? { '.': {} } : {};
  // Keys are path elements (`f:`, `k:`, `v:`, `i:`), never __proto__.
  for (const [k, v] of children) out[k] = v;
  return out;
}

function isLeaf(t: MergeType, v: unknown): boolean {
  switch (t.kind) {
    case 'scalar':
      return true;
    case 'list':
      return t.listType === 'atomic' || !Array.isArray(v);
    case 'untyped':
      return !isObj(v);
    default:
      return t.atomic || !isObj(v);
  }
}

function attach(parent: FieldSet, pe: string, child: FieldSet): void {
  if (child.member || child.children) (parent.children ??= new Map()).set(pe, child);
}

function diff(l: unknown, r: unknown, t: MergeType, ch: FieldSet, rm: FieldSet): void {
  const lp = l !== undefined;
  const rp = r !== undefined;
  const lLeaf = lp && isLeaf(t, l);
  const rLeaf = rp && isLeaf(t, r);
  if (lLeaf || rLeaf) {
    if (!lp) {
      if (r !== null) ch.member = true;
    } else if (!rp) {
      if (l !== null) rm.member = true;
    } else if (!deepEqual(l, r)) ch.member = true;
    if (!(lLeaf && rLeaf)) {
      // One side is a container: it is walked for what it adds or removes below.
      if (lp && !lLeaf) diff(l, undefined, t, ch, rm);
      if (rp && !rLeaf) diff(undefined, r, t, ch, rm);
    }
    return;
  }
  if (!lp) ch.member = true;
  else if (!rp) rm.member = true;
  if (t.kind === 'list') {
    const left = lp ? indexItems(t, l as unknown[]) : undefined;
    const right = rp ? indexItems(t, r as unknown[]) : undefined;
    if (right) {
      for (const [pe, rv] of right) {
        const c = new FieldSet();
        const d = new FieldSet();
        diff(left?.get(pe), rv, t.items, c, d);
        attach(ch, pe, c);
        attach(rm, pe, d);
      }
    }
    if (left) {
      for (const [pe, lv] of left) {
        if (right?.has(pe)) continue;
        const d = new FieldSet();
        diff(lv, undefined, t.items, new FieldSet(), d);
        attach(rm, pe, d);
      }
    }
    return;
  }
  const lo = lp ? (l as Obj) : undefined;
  const ro = rp ? (r as Obj) : undefined;
  if (ro) {
    for (const key of Object.keys(ro)) {
      const ft = fieldType(t, key);
      if (!ft) continue;
      const c = new FieldSet();
      const d = new FieldSet();
      diff(lo && Object.hasOwn(lo, key) ? lo[key] : undefined, ro[key], ft, c, d);
      attach(ch, `f:${key}`, c);
      attach(rm, `f:${key}`, d);
    }
  }
  if (lo) {
    for (const key of Object.keys(lo)) {
      if (ro && Object.hasOwn(ro, key)) continue;
      const ft = fieldType(t, key);
      if (!ft) continue;
      const d = new FieldSet();
      diff(lo[key], undefined, ft, new FieldSet(), d);
      attach(rm, `f:${key}`, d);
    }
  }
}

function indexItems(t: ListType, list: unknown[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (let i = 0; i < list.length; i++) {
    const pe = lenientElement(t, list[i], i);
    if (!m.has(pe)) m.set(pe, list[i]);
  }
  return m;
}

/** typed.Merge: the applied configuration over the live object. */
export function merge(live: unknown, config: unknown, t: MergeType): unknown {
  if (config === undefined) return live;
  if (live === undefined || live === null || config === null) return config;
  switch (t.kind) {
    case 'scalar':
      return config;
    case 'list':
      if (t.listType === 'atomic' || !Array.isArray(live) || !Array.isArray(config)) return config;
      return mergeList(live, config, t);
    default: {
      if ((t.kind !== 'untyped' && t.atomic) || !isObj(live) || !isObj(config)) return config;
      const out: Obj = { ...live };
      for (const key of Object.keys(config)) {
        const ft = fieldType(t, key) ?? { kind: 'untyped' };
        setOwn(out, key, Object.hasOwn(live, key) ? merge(live[key], config[key], ft) : config[key]);
      }
      return out;
    }
  }
}

/** merge.go visitListItems: shared items keep the configuration's order, live-only items stay where they were. */
function mergeList(lhs: unknown[], rhs: unknown[], t: ListType): unknown[] {
  const lPE = lhs.map((v, i) => itemElement(t, v, i, () => ''));
  const rPE = rhs.map((v, i) => itemElement(t, v, i, () => ''));
  const observedL = new Map<string, unknown>();
  lPE.forEach((pe, i) => {
    if (!observedL.has(pe)) observedL.set(pe, lhs[i]);
  });
  const observedR = new Map<string, unknown>();
  rPE.forEach((pe, i) => observedR.set(pe, rhs[i]));
  const shared = rPE.filter((pe) => observedL.has(pe));
  let next: string | undefined = shared.shift();
  const merged = new Set<string>();
  const out: unknown[] = [];
  let lI = 0;
  let rI = 0;
  while (lI < lPE.length || rI < rPE.length) {
    if (lI < lPE.length && rI < rPE.length) {
      const pe = lPE[lI];
      if (pe === rPE[rI]) {
        merged.add(pe);
        out.push(merge(observedL.get(pe), observedR.get(pe), t.items));
        lI++;
        rI++;
        next = shared.shift();
        continue;
      }
      if (observedR.has(pe) && next !== undefined && next !== pe) {
        lI++;
        continue;
      }
    }
    if (lI < lPE.length) {
      const pe = lPE[lI];
      if (!observedR.has(pe)) {
        out.push(lhs[lI]);
        lI++;
        continue;
      }
      if (merged.has(pe)) {
        lI++;
        continue;
      }
    }
    if (rI < rPE.length) {
      const pe = rPE[rI];
      merged.add(pe);
      out.push(merge(observedL.get(pe), observedR.get(pe), t.items));
      rI++;
      if (next === pe) next = shared.shift();
    }
  }
  return out;
}

/** typed.RemoveItems: every member of the set goes, and whatever it holds. */
export function removeItems(value: unknown, set: FieldSet, t: MergeType): unknown {
  if (!set.children || value === null || value === undefined) return value;
  if (t.kind === 'list') {
    if (t.listType === 'atomic' || !Array.isArray(value)) return value;
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = itemElement(t, item, i, () => '');
      const c = set.children!.get(pe);
      if (c?.member) return;
      out.push(c ? removeItems(item, c, t.items) : item);
    });
    return out;
  }
  if (t.kind === 'scalar' || !isObj(value) || (t.kind !== 'untyped' && t.atomic)) return value;
  const out: Obj = {};
  for (const key of Object.keys(value)) {
    const c = set.children.get(`f:${key}`);
    if (c?.member) continue;
    const ft = fieldType(t, key);
    setOwn(out, key, c && ft ? removeItems(value[key], c, ft) : value[key]);
  }
  return out;
}

/**
 * Set.EnsureNamedFieldsAreMembers: a struct field on the way to a member counts as one itself
 * (so pruning removes the whole field once nobody owns anything under it), a map key does not.
 */
export function withNamedFields(set: FieldSet, t: MergeType): FieldSet {
  const out = new FieldSet();
  out.member = set.member;
  if (!set.children) return out;
  for (const [pe, c] of set.children) {
    let ct: MergeType | undefined;
    if (pe.startsWith('f:')) ct = fieldType(t, pe.slice(2));
    else if (t.kind === 'list') ct = t.items;
    const n = ct ? withNamedFields(c, ct) : c.copy();
    if (t.kind === 'struct' && pe.startsWith('f:') && !n.empty) n.member = true;
    (out.children ??= new Map()).set(pe, n);
  }
  return out;
}
