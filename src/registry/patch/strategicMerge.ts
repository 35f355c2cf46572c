// Strategic merge patch application (application/strategic-merge-patch+json), a port of the
// "apply" half of k8s.io/apimachinery/pkg/util/strategicpatch/patch.go as kube-apiserver runs
// it: StrategicMergeMapPatch(original, patch, schema) with MergeParallelList=true and
// IgnoreUnmatchedNulls=true. The Go struct tags (patchStrategy / patchMergeKey) are replaced
// by a declarative PatchMeta tree.
//
// Go-isms kept on purpose: null deletes a key; values taken wholesale from the patch have
// their nulls discarded and their directives removed (discardNullValuesFromPatch /
// removeDirectives, kubernetes#107705, #117568); list order is enforced with the same
// partition / normalizeSliceOrder / mergeSortedSlice algorithm so `$setElementOrder` gives
// the order kubectl expects; error texts are the mergepatch / patch.go ones.
//
// Differences: fields missing from the PatchMeta tree are treated as plain fields (no
// strategy) instead of failing with "unable to find api field in struct ..."; comparisons
// that would panic in Go (merge key values that are maps or lists) use deep equality; Go's
// random map iteration order is replaced by the patch's key order (directives first, as in
// Go: $retainKeys, then $setElementOrder/*, then the rest).
import { setOwn } from '../../model/ownProperty.js';

export interface PatchMeta {
  // for an object node
  fields?: Record<string, PatchMeta>;
  /** for list fields: */
  strategy?: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';
  mergeKey?: string; // for lists of objects with strategy merge
  items?: PatchMeta; // meta of list items (objects)
  /** maps (map[string]X) whose values have meta */
  values?: PatchMeta;
}

/**
 * A malformed patch. `status` is the HTTP status kube-apiserver answers with:
 * 400 for the mergepatch "bad format" errors (interpretStrategicMergePatchError), 422 for
 * lists of lists, and 500 for everything else (they reach the client as a plain error).
 */
export class PatchError extends Error {
  override name = 'PatchError';
  constructor(
    message: string,
    readonly status: 400 | 422 | 500 = 500,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------
// JSON values and Go rendering
// ---------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | JsonMap;
interface JsonMap {
  [key: string]: Json;
}

const hasOwn = (o: object, k: string): boolean => Object.hasOwn(o, k);

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy into plain JSON values (undefined members dropped, as JSON.stringify would). */
function toJson(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : toJson(x)));
  if (typeof v === 'object') {
    const maybe = v as { toJSON?: () => unknown };
    if (typeof maybe.toJSON === 'function') return toJson(maybe.toJSON());
    const out: JsonMap = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined && typeof x !== 'function' && typeof x !== 'symbol') setOwn(out, k, toJson(x));
    }
    return out;
  }
  return null;
}

/** Go dynamic type of a value decoded by k8s.io/apimachinery/pkg/util/json (ints are int64). */
type GoType = 'map[string]interface {}' | '[]interface {}' | 'string' | 'bool' | 'int64' | 'float64' | 'nil';

function goType(v: Json): GoType {
  if (v === null) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= 2 ** 63 ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** reflect.TypeOf(v) printed with %s. */
function goTypeString(v: Json): string {
  const t = goType(v);
  return t === 'nil' ? '%!s(<nil>)' : t;
}

function goFloat(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const exp = Number(f.toExponential().split('e')[1]);
  // strconv.FormatFloat(f, 'g', -1, 64): %e when exp < -4 || exp >= 6 (shortest precision)
  if (exp < -4 || exp >= 6) {
    const [mant, e] = f.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[-+]/, '');
    return `${mant}e${sign}${digits.padStart(2, '0')}`;
  }
  return String(f);
}

/** fmt's %v for decoded JSON values. */
function goFmt(v: Json): string {
  switch (goType(v)) {
    case 'nil':
      return '<nil>';
    case 'string':
      return v as string;
    case 'bool':
      return String(v);
    case 'int64':
      return BigInt(v as number).toString();
    case 'float64':
      return goFloat(v as number);
    case '[]interface {}':
      return `[${(v as Json[]).map(goFmt).join(' ')}]`;
    default: {
      const m = v as JsonMap;
      const keys = Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return `map[${keys.map((k) => `${k}:${goFmt(m[k])}`).join(' ')}]`;
    }
  }
}

/** fmt's %s for a value that may not be a string. */
function goFmtS(v: Json): string {
  if (typeof v === 'string') return v;
  if (v === null) return '%!s(<nil>)';
  if (isMap(v) || Array.isArray(v)) return goFmt(v);
  return `%!s(${goType(v)}=${goFmt(v)})`;
}

/** Go's == on interface{} values (deep equality where Go would panic). */
function goEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => goEqual(x, b[i]));
  const am = a as JsonMap;
  const bm = b as JsonMap;
  const ak = Object.keys(am);
  return ak.length === Object.keys(bm).length && ak.every((k) => hasOwn(bm, k) && goEqual(am[k], bm[k]));
}

function includesGo(list: readonly Json[], v: Json): boolean {
  return list.some((x) => goEqual(x, v));
}

// ---------------------------------------------------------------------------
// Errors (k8s.io/apimachinery/pkg/util/mergepatch/errors.go)
// ---------------------------------------------------------------------------

const errBadPatchFormatForPrimitiveList = () => new PatchError('invalid patch format of primitive list', 400);
const errBadPatchFormatForRetainKeys = () => new PatchError('invalid patch format of retainKeys', 400);
const errBadPatchFormatForSetElementOrderList = () => new PatchError('invalid patch format of setElementOrder list', 400);
const errNoListOfLists = () => new PatchError('lists of lists are not supported', 422);
const errNoMergeKey = (m: JsonMap, k: string) => new PatchError(`map: ${goFmt(m)} does not contain declared merge key: ${k}`);
const errBadArgType = (expected: GoType, actual: Json) => new PatchError(`expected a ${expected}, but received a ${goTypeString(actual)}`);
const errBadPatchType = (t: Json, m: JsonMap) => new PatchError(`unknown patch type: ${goFmtS(t)} in map: ${goFmt(m)}`);

// ---------------------------------------------------------------------------
// Directives
// ---------------------------------------------------------------------------

const directiveMarker = '$patch';
const deleteDirective = 'delete';
const replaceDirective = 'replace';
const mergeDirective = 'merge';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListDirectivePrefix = '$deleteFromPrimitiveList';
const setElementOrderDirectivePrefix = '$setElementOrder';

function isDirectiveKey(k: string): boolean {
  return (
    k === directiveMarker || k === retainKeysDirective || k.startsWith(deleteFromPrimitiveListDirectivePrefix) || k.startsWith(setElementOrderDirectivePrefix)
  );
}

/** discardNullValuesFromPatch: drop null members of maps, recursively. */
function discardNullValues(v: Json): void {
  if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNullValues(v[k]);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) discardNullValues(x);
  }
}

/**
 * removeDirectives: a map carrying `$patch` is dropped (keep=false), lists lose such items;
 * other directive keys ($retainKeys, $setElementOrder/*, $deleteFromPrimitiveList/*), which
 * the Go decoder would discard as unknown fields, are removed as well.
 */
function removeDirectives(v: Json): { keep: boolean; value: Json } {
  if (isMap(v)) {
    if (hasOwn(v, directiveMarker)) return { keep: false, value: null };
    for (const k of Object.keys(v)) {
      if (isDirectiveKey(k)) {
        delete v[k];
        continue;
      }
      const r = removeDirectives(v[k]);
      if (r.keep) v[k] = r.value;
      else delete v[k];
    }
    return { keep: true, value: v };
  }
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      const r = removeDirectives(x);
      if (r.keep) out.push(r.value);
    }
    return { keep: true, value: out };
  }
  return { keep: true, value: v };
}

/** A value taken from the patch at a point where Go takes it as is (it is later decoded into
 *  the typed object, which drops unknown "$..." members and turns nulls into zero values). */
function takeRaw<T extends Json>(v: T): T {
  if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null || isDirectiveKey(k)) delete v[k];
      else v[k] = takeRaw(v[k]);
    }
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = takeRaw(v[i]);
  }
  return v;
}

// ---------------------------------------------------------------------------
// Patch meta lookup
// ---------------------------------------------------------------------------

const noMeta: PatchMeta = Object.freeze({});

function lookupMeta(meta: PatchMeta | undefined, key: string): PatchMeta {
  if (!meta) return noMeta;
  if (meta.fields && hasOwn(meta.fields, key)) return meta.fields[key];
  if (meta.values) return meta.values;
  return noMeta;
}

/** extractRetainKeysPatchStrategy: the non-retainKeys strategy. */
function patchStrategyOf(meta: PatchMeta): string {
  if (!meta.strategy) return '';
  const strategies = meta.strategy.split(',');
  if (strategies.length === 1) return strategies[0] === 'retainKeys' ? '' : strategies[0];
  if (strategies.length === 2) {
    if (strategies[0] === 'retainKeys') return strategies[1];
    if (strategies[1] === 'retainKeys') return strategies[0];
  }
  throw new PatchError(`unexpected patch strategy: [${strategies.join(' ')}]`);
}

// ---------------------------------------------------------------------------
// Slices
// ---------------------------------------------------------------------------

type ElemKind = 'map' | 'scalar';

/** sliceElementType: every element of every slice has the same Go type, not a list. */
function sliceElementKind(...slices: Json[][]): ElemKind {
  let prev: GoType | undefined;
  for (const s of slices) {
    for (const v of s) {
      const cur = goType(v);
      if (prev === undefined) {
        if (cur === 'nil') throw new PatchError('runtime error: invalid memory address or nil pointer dereference');
        prev = cur;
        if (prev === '[]interface {}') throw errNoListOfLists();
      } else if (prev !== cur) {
        throw new PatchError(`list element types are not identical: [${slices.map((x) => goFmt(x)).join(' ')}]`);
      }
    }
  }
  if (prev === undefined) throw new PatchError('no elements in any of the given slices');
  return prev === 'map[string]interface {}' ? 'map' : 'scalar';
}

/** findMapInSliceBasedOnKeyValue */
function findMapInSlice(m: Json[], key: string, value: Json): number {
  for (let i = 0; i < m.length; i++) {
    const v = m[i];
    if (!isMap(v)) throw new PatchError(`value for key ${i} is not a map`);
    if (hasOwn(v, key) && goEqual(v[key], value)) return i;
  }
  return -1;
}

/** index: position of `val` in `l`, by merge key value for maps. */
function indexOf(l: Json[], val: Json, mergeKey: string, kind: ElemKind): number {
  const get = kind === 'map' ? (item: Json): Json => (isMap(item) && hasOwn(item, mergeKey) ? item[mergeKey] : null) : (item: Json): Json => item;
  const want = get(val);
  for (let i = 0; i < l.length; i++) if (goEqual(want, get(l[i]))) return i;
  return -1;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: Json[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isMap(item)) throw errBadArgType('map[string]interface {}', item);
      if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(l: Json[]): [Json[], Json[]] {
  const nonDelete: Json[] = [];
  const toDelete: Json[] = [];
  for (const v of l) {
    if (!isMap(v)) throw errBadArgType('map[string]interface {}', v);
    if (hasOwn(v, directiveMarker) && v[directiveMarker] === deleteDirective) toDelete.push(v);
    else nonDelete.push(v);
  }
  return [nonDelete, toDelete];
}

/** normalizeSliceOrder: sort.SliceStable by position in `order` (Go's insertion sort). */
function normalizeSliceOrder(toSort: Json[], order: Json[], mergeKey: string, kind: ElemKind): Json[] {
  let items = [...toSort];
  let toDelete: Json[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, items, order);
    [items, toDelete] = extractToDeleteItems(items);
  }
  const less = (a: Json, b: Json): boolean => {
    const ia = indexOf(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexOf(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  };
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && less(items[j], items[j - 1]); j--) {
      const t = items[j];
      items[j] = items[j - 1];
      items[j - 1] = t;
    }
  }
  return [...items, ...toDelete];
}

/** mergeSortedSlice: interleave server-only items (left) into patch items (right). */
function mergeSortedSlice(left: Json[], right: Json[], serverOrder: Json[], mergeKey: string, kind: ElemKind): Json[] {
  const less = (l: Json, r: Json): [boolean, boolean] => {
    const li = indexOf(serverOrder, l, mergeKey, kind);
    const ri = indexOf(serverOrder, r, mergeKey, kind);
    return li >= 0 && ri >= 0 ? [li < ri, true] : [false, false];
  };
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  const size = left.length + right.length;
  for (let k = 0; k < size; k++) {
    if (i >= left.length && j < right.length) out.push(right[j++]);
    else if (j >= right.length && i < left.length) out.push(left[i++]);
    else {
      const [isLess, foundBoth] = less(left[i], right[j]);
      if (foundBoth && isLess) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(patch: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string, kind: ElemKind): Json[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function partitionPrimitives(original: Json[], partitionBy: Json[]): [Json[], Json[]] {
  const patch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const v of original) (includesGo(partitionBy, v) ? patch : serverOnly).push(v);
  return [patch, serverOnly];
}

function partitionMaps(original: Json[], partitionBy: Json[], mergeKey: string): [Json[], Json[]] {
  const patch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const v of original) {
    if (!isMap(v)) throw errBadArgType('map[string]interface {}', v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapInSlice(partitionBy, mergeKey, v[mergeKey]) >= 0 ? patch : serverOnly).push(v);
  }
  return [patch, serverOnly];
}

/** deduplicateScalars, including its reordering (later undone by normalizeElementOrder). */
function deduplicateScalars(input: Json[]): Json[] {
  const s = [...input];
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (goEqual(s[i], s[j])) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

function deleteFromSlice(current: Json[], toDelete: Json[]): Json[] {
  return current.filter((v) => !includesGo(toDelete, v));
}

function deleteMatchingEntries(original: Json[], mergeKey: string, mergeValue: Json): Json[] {
  let out = original;
  for (;;) {
    const i = findMapInSlice(out, mergeKey, mergeValue);
    if (i < 0) return out;
    out = [...out.slice(0, i), ...out.slice(i + 1)];
  }
}

function mergeSliceWithSpecialElements(original: Json[], patch: Json[], mergeKey: string): [Json[], Json[]] {
  const withoutSpecial: Json[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!hasOwn(m, directiveMarker)) {
      withoutSpecial.push(v);
      continue;
    }
    const patchType = m[directiveMarker];
    if (patchType === deleteDirective) {
      if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      original = deleteMatchingEntries(original, mergeKey, m[mergeKey]);
    } else if (patchType === replaceDirective) {
      replace = true;
    } else if (patchType === mergeDirective) {
      throw new PatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(patchType, m);
    }
  }
  if (replace) return [withoutSpecial.map(takeRaw), []];
  return [original, withoutSpecial];
}

function mergeSliceWithoutSpecialElements(original: Json[], patch: Json[], mergeKey: string, itemMeta: PatchMeta | undefined): Json[] {
  const out = [...original];
  for (const v of patch) {
    const m = v as JsonMap;
    if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
    const i = findMapInSlice(out, mergeKey, m[mergeKey]);
    if (i >= 0) out[i] = mergeMap(out[i] as JsonMap, m, itemMeta);
    else out.push(takeRaw(v));
  }
  return out;
}

function mergeSlice(original: Json[], patch: Json[], meta: PatchMeta, mergeKey: string, isDeleteList: boolean): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: Json[];
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw new PatchError('cannot merge lists without merge key for struct');
    [original, patch] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(original, patch, mergeKey, meta.items);
  }
  const [patchItems, serverOnly] = mergeKey === '' ? partitionPrimitives(merged, patch) : partitionMaps(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function mergeSliceHandler(original: Json[], patch: Json[], meta: PatchMeta, isDeleteList: boolean): Json[] {
  // Delete lists are handled the same way regardless of the field's patch strategy.
  if (patchStrategyOf(meta) === mergeDirective || isDeleteList) return mergeSlice(original, patch, meta, meta.mergeKey ?? '', isDeleteList);
  return takeRaw(patch);
}

// ---------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === deleteFromPrimitiveListDirectivePrefix) throw errBadPatchFormatForPrimitiveList();
    if (prefix === setElementOrderDirectivePrefix) throw errBadPatchFormatForSetElementOrderList();
    throw new PatchError(`fail to find unknown prefix "${prefix}" in ${s}`);
  }
  return s.slice(slash + 1);
}

function handleDirectiveInMergeMap(directive: Json, patch: JsonMap): JsonMap {
  if (directive === replaceDirective) {
    delete patch[directiveMarker];
    return takeRaw(patch);
  }
  if (directive === deleteDirective) return {};
  throw errBadPatchType(directive, patch);
}

function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!hasOwn(patch, retainKeysDirective)) return;
  const retain = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retain)) throw errBadPatchFormatForRetainKeys();
  for (const k of Object.keys(patch)) {
    if (patch[k] === null || k.startsWith(deleteFromPrimitiveListDirectivePrefix) || k.startsWith(setElementOrderDirectivePrefix)) continue;
    if (!includesGo(retain, k)) throw errBadPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!includesGo(retain, k)) delete original[k];
}

function mergeKeyValueEqual(left: Json, right: Json, mergeKey: string): boolean {
  if (mergeKey === '') return goEqual(left, right);
  if (!isMap(left)) throw errBadArgType('map[string]interface {}', left);
  if (!isMap(right)) throw errBadArgType('map[string]interface {}', right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goEqual(left[mergeKey], right[mergeKey]);
}

/** validatePatchWithSetOrderList: patch items (deletions aside) must appear, in order, in the
 *  $setElementOrder list. */
function validatePatchWithSetOrderList(patchList: Json[], setOrderList: Json[], mergeKey: string): void {
  if (setOrderList.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrderList.length) {
    const item = nonDelete[p];
    if (isMap(item) && hasOwn(item, directiveMarker)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrderList[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrderList.length) {
    throw new PatchError(`the order in patch list:\n${goFmt(patchList)}\n doesn't match ${setElementOrderDirectivePrefix} list:\n${goFmt(setOrderList)}`);
  }
}

/** mergePatchIntoOriginal: handle every $setElementOrder/<field> with its list. */
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, meta: PatchMeta | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderDirectivePrefix)) continue;
    const setOrder = patch[key];
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType('[]interface {}', setOrder);
    const originalKey = extractKey(key, setElementOrderDirectivePrefix);

    const foundOriginal = hasOwn(original, originalKey);
    const foundPatch = hasOwn(patch, originalKey);
    let originalList: Json[] = [];
    let patchList: Json[] = [];
    if (foundOriginal) {
      const v = original[originalKey];
      if (!Array.isArray(v)) throw errBadArgType('[]interface {}', v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[originalKey];
      if (!Array.isArray(v)) throw errBadArgType('[]interface {}', v);
      patchList = v;
    }
    const fieldMeta = lookupMeta(meta, originalKey);
    patchStrategyOf(fieldMeta);
    const mergeKey = fieldMeta.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList, setOrder, mergeKey);

    let merged: Json[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) {
      discardNullValues(patchList);
      merged = removeDirectives(patchList).value as Json[];
    } else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, fieldMeta, false);
    else continue;

    const [patchItems, serverOnly] = mergeKey === '' ? partitionPrimitives(merged, setOrder) : partitionMaps(merged, setOrder, mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    original[originalKey] = normalizeElementOrder(patchItems, serverOnly, setOrder, originalList, mergeKey, kind);
    delete patch[originalKey];
  }
}

function mergeMap(original: JsonMap | null, patch: JsonMap, meta: PatchMeta | undefined): JsonMap {
  if (hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker], patch);
  const out: JsonMap = original ?? {};

  applyRetainKeysDirective(out, patch);
  mergePatchIntoOriginal(out, patch, meta);

  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey];
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(deleteFromPrimitiveListDirectivePrefix)) {
      k = extractKey(rawKey, deleteFromPrimitiveListDirectivePrefix);
      isDeleteList = true;
    }

    if (patchV === null) {
      delete out[k];
      continue;
    }

    if (!hasOwn(out, k) || goType(out[k]) !== goType(patchV)) {
      if (!isDeleteList) {
        discardNullValues(patchV);
        const r = removeDirectives(patchV);
        if (r.keep) setOwn(out, k, r.value);
        else delete out[k];
      }
      continue;
    }

    const current = out[k];
    const fieldMeta = lookupMeta(meta, k);
    if (isMap(current) && isMap(patchV)) {
      setOwn(out, k, patchStrategyOf(fieldMeta) === replaceDirective ? takeRaw(patchV) : mergeMap(current, patchV, fieldMeta));
    } else if (Array.isArray(current) && Array.isArray(patchV)) {
      setOwn(out, k, mergeSliceHandler(current, patchV, fieldMeta, isDeleteList));
    } else {
      setOwn(out, k, patchV);
    }
  }
  return out;
}

/** Human-readable JSON kind, as encoding/json names it in UnmarshalTypeError. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/**
 * strategicpatch.StrategicMergePatch(original, patch, schema) as kube-apiserver applies it.
 * Pure: inputs are copied, never mutated. Throws PatchError for malformed patches.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): unknown {
  const orig = toJson(original);
  if (orig !== null && !isMap(orig)) throw new PatchError('invalid JSON document', 400);
  if (patch === null || patch === undefined) return orig ?? {};
  const p = toJson(patch);
  if (!isMap(p)) throw new PatchError(`json: cannot unmarshal ${jsonKind(p)} into Go value of type map[string]interface {}`, 400);
  return mergeMap(orig, p, meta);
}

// ---------------------------------------------------------------------------
// Patch meta for the served kinds (struct tags of k8s.io/api/core/v1 and meta/v1 types.go)
// ---------------------------------------------------------------------------

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) deepFreeze(v as object);
  return Object.freeze(o);
}

const stringMap: PatchMeta = { values: {} };

/** metav1.ObjectMeta */
const objectMetaPatchMeta: PatchMeta = {
  fields: {
    labels: stringMap,
    annotations: stringMap,
    // Finalizers []string `patchStrategy:"merge"`
    finalizers: { strategy: 'merge' },
    // OwnerReferences []OwnerReference `patchStrategy:"merge" patchMergeKey:"uid"`
    ownerReferences: { strategy: 'merge', mergeKey: 'uid', items: {} },
    // ManagedFields []ManagedFieldsEntry: no strategy (replace)
    managedFields: { items: {} },
  },
};

/** metav1.Condition lists: `patchStrategy:"merge" patchMergeKey:"type"` */
const conditions: PatchMeta = { strategy: 'merge', mergeKey: 'type', items: {} };

/** core/v1 Service */
export const servicePatchMeta: PatchMeta = deepFreeze({
  fields: {
    metadata: objectMetaPatchMeta,
    spec: {
      fields: {
        // Ports []ServicePort `patchStrategy:"merge" patchMergeKey:"port"`
        ports: { strategy: 'merge', mergeKey: 'port', items: { fields: { targetPort: {} } } },
        // Selector map[string]string (+mapType=atomic, but no patchStrategy: merged key by key)
        selector: stringMap,
        // +listType=atomic, no patch tags: replaced
        clusterIPs: {},
        externalIPs: {},
        loadBalancerSourceRanges: {},
        ipFamilies: {},
        sessionAffinityConfig: { fields: { clientIP: { fields: {} } } },
      },
    },
    status: {
      fields: {
        loadBalancer: {
          fields: {
            // Ingress []LoadBalancerIngress (+listType=atomic): replaced
            ingress: { items: { fields: { ports: {} } } },
          },
        },
        conditions,
      },
    },
  },
} satisfies PatchMeta);

/** core/v1 Namespace */
export const namespacePatchMeta: PatchMeta = deepFreeze({
  fields: {
    metadata: objectMetaPatchMeta,
    // NamespaceSpec.Finalizers []FinalizerName: no patch tags (replace)
    spec: { fields: { finalizers: {} } },
    // NamespaceStatus.Conditions `patchStrategy:"merge" patchMergeKey:"type"`
    status: { fields: { conditions } },
  },
} satisfies PatchMeta);

/**
 * core/v1 Event. Its own fields carry no patch tags (involvedObject, source, series and related
 * are plain structs, merged field by field), so only metadata's merge keys matter.
 */
export const eventPatchMeta: PatchMeta = deepFreeze({
  fields: {
    metadata: objectMetaPatchMeta,
  },
} satisfies PatchMeta);

/**
 * discovery/v1 EndpointSlice and core/v1 Endpoints: their lists (endpoints, ports, subsets,
 * addresses) are +listType=atomic or set with no patch tags, so a patch replaces them whole; only
 * metadata's merge keys matter.
 */
export const endpointsPatchMeta: PatchMeta = deepFreeze({
  fields: {
    metadata: objectMetaPatchMeta,
  },
} satisfies PatchMeta);

/** coordination/v1 Lease: no patch tags beyond the metadata's. */
export const leasePatchMeta: PatchMeta = deepFreeze({ fields: { metadata: objectMetaPatchMeta } });
