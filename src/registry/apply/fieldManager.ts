// metadata.managedFields and server-side apply, as kube-apiserver's field manager
// (k8s.io/apimachinery/pkg/util/managedfields/internal) wraps structured-merge-diff's Updater
// (merge/update.go): every write records an Update entry for its manager, an apply merges the
// configuration, prunes what its manager applied before and no longer does, and refuses to
// change fields other managers own unless forced. The layers kept, outermost first:
// versionCheck, skipNonApplied (a live object without managedFields is not tracked by updates;
// an apply first attributes its fields to "before-first-apply"), buildManagerInfo,
// managedFieldsUpdater (an update merges into its manager's entry; time moves when the entry
// changes), stripMeta, and the reset fields of the subresource's strategy.
import type { KubeObject } from '../generic/strategy.js';
import { FieldSet, pathString } from './fieldSet.js';
import type { MergeType } from './mergeType.js';
import { compare, createdFieldsV1, createdSet, merge, removeItems, toFieldSet, TypedError, withNamedFields } from './typed.js';

export type ManagedFieldsEntry = {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
};

interface Managed {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  set: FieldSet;
  time?: string;
}

export interface Conflict {
  /** The manager identifier, as printManager shows it. */
  manager: string;
  path: string;
  /** The path's elements (`f:spec`, `f:type`). */
  elements: readonly string[];
}

/** merge.Conflicts, for the API layer to turn into kube's 409. */
export class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('apply conflicts');
  }
}

/** A bad applied configuration: kube answers these with a Status of its own. */
export class ApplyError extends Error {
  constructor(
    readonly code: 400 | 500,
    message: string,
  ) {
    super(message);
  }
}

/** stripMetaManager's fields: never owned by anyone. */
const strippedMeta = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
  (f) => `f:${f}`,
);
const stripped = (() => {
  const s = new FieldSet();
  for (const p of [['f:apiVersion'], ['f:kind'], ['f:metadata']]) s.insert(p);
  for (const f of strippedMeta) s.insert(['f:metadata', f]);
  return s;
})();

const zeroObjects: Record<string, object> = {
  Service: { metadata: {}, spec: {}, status: { loadBalancer: {} } },
  Namespace: { metadata: {}, spec: {}, status: {} },
  Event: { metadata: {}, involvedObject: {}, source: {} },
  Lease: { metadata: {}, spec: {} },
};

const keyOf = (e: { manager: string; operation: string; apiVersion: string; subresource: string }) =>
  JSON.stringify({
    manager: e.manager,
    operation: e.operation,
    ...(e.operation === 'Update' ? { apiVersion: e.apiVersion } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  });

// Every write stamps its entry; the text changes once a second, so it is made once a second.
let stamped = { second: Number.NaN, text: '' };
function timeOf(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== stamped.second) stamped = { second, text: `${now.toISOString().slice(0, 19)}Z` };
  return stamped.text;
}

function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _m, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

/** isResetManagedFields: an explicit empty list, or a list of one empty entry. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && entries[0] !== null && typeof entries[0] === 'object' && Object.keys(entries[0]).length === 0;
}

/** DefaultMaxUpdateManagers: more Update entries than this and the oldest are merged. */
const maxUpdateManagers = 10;

/**
 * capManagersManager.capUpdateManagers: the oldest Update entries (by whole seconds, then by
 * identifier) merge into an `ancient-changes` entry per API version until at most ten are left,
 * so an object many tools touch keeps a bounded managedFields. Kept as kube writes it, quirks
 * included: the first entry of a version becomes the bucket only when a second one joins it.
 */
function capUpdateManagers(managed: Map<string, Managed>): void {
  const updaters = [...managed].filter(([, m]) => m.operation === 'Update').map(([key]) => key);
  if (updaters.length <= maxUpdateManagers) return;
  const seconds = (key: string) => {
    const t = managed.get(key)?.time;
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || cmp(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > maxUpdateManagers; i++) {
    const key = updaters[i];
    const m = managed.get(key);
    if (!m) continue;
    const bucketKey = keyOf({ manager: 'ancient-changes', operation: 'Update', apiVersion: m.apiVersion, subresource: '' });
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, key);
      continue;
    }
    if (!managed.has(bucketKey)) {
      const moved = managed.get(first)!;
      managed.delete(first);
      managed.set(bucketKey, { ...moved, manager: 'ancient-changes', operation: 'Update', subresource: '' });
    }
    const bucket = managed.get(bucketKey)!;
    bucket.set = m.set.union(bucket.set);
    managed.delete(key);
    length--;
    // The newer time: the entry just merged is later than those before it.
    bucket.time = m.time;
  }
}

/**
 * One storage served through several group/versions (core/v1 and events.k8s.io/v1 Events): a
 * managedFields entry's set is written in the field names of the group/version its manager wrote
 * through, as kube records it, and this translates a set between two of them.
 */
export interface FieldVersions {
  convert(set: FieldSet, from: string, to: string): FieldSet;
}

export class FieldManager {
  private readonly ignored: Record<'main' | 'status', FieldSet>;
  /** The kind's empty object: the containers Go's zero value marshals (no omitempty). */
  private readonly zero: KubeObject;
  /** What strip takes out of a created set, by field name: at the top, and in metadata. */
  private readonly skipTop: ReadonlySet<string>;
  private readonly skipMeta: ReadonlySet<string> = new Set(strippedMeta.map((f) => f.slice(2)));

  constructor(
    private readonly type: MergeType,
    private readonly apiVersion: string,
    private readonly kind: string,
    hasStatus: boolean,
    private readonly versions?: FieldVersions,
  ) {
    const main = new FieldSet();
    const status = new FieldSet();
    // The strategies' GetResetFields: the main resource resets status, /status resets spec.
    if (hasStatus) {
      main.insert(['f:status']);
      status.insert(['f:spec']);
    }
    this.ignored = { main, status };
    this.zero = (zeroObjects[kind] ?? { metadata: {} }) as KubeObject;
    this.skipTop = new Set(['apiVersion', 'kind', ...(hasStatus ? ['status'] : [])]);
  }

  private decode(entries: ManagedFieldsEntry[] | undefined): Map<string, Managed> | undefined {
    const out = new Map<string, Managed>();
    if (!entries) return out;
    for (const e of entries) {
      if (!e || typeof e !== 'object' || (e.operation !== 'Apply' && e.operation !== 'Update') || e.fieldsType !== 'FieldsV1') return undefined;
      const m: Managed = {
        manager: e.manager ?? '',
        operation: e.operation,
        apiVersion: e.apiVersion ?? '',
        subresource: e.subresource ?? '',
        set: this.fromVersion(FieldSet.fromFieldsV1(e.fieldsV1), e.apiVersion ?? ''),
        time: e.time,
      };
      const key = keyOf(m);
      const prev = out.get(key);
      if (prev) prev.set = prev.set.union(m.set);
      else out.set(key, m);
    }
    return out;
  }

  /** A set in another group/version's field names, in this manager's (the stored object's). */
  private fromVersion(set: FieldSet, version: string): FieldSet {
    return this.versions && version && version !== this.apiVersion ? this.versions.convert(set, version, this.apiVersion) : set;
  }

  /** A set in this manager's field names, in the named group/version's. */
  private toVersion(set: FieldSet, version: string): FieldSet {
    return this.versions && version && version !== this.apiVersion ? this.versions.convert(set, this.apiVersion, version) : set;
  }

  /** kube's encodeManagedFields then sortEncodedManagedFields: Apply before Update, then time, manager, apiVersion, subresource. */
  private encode(obj: KubeObject, managed: Map<string, Managed>): void {
    const meta = (obj.metadata ??= {});
    const entries = [...managed.values()].filter((m) => !m.set.empty);
    if (entries.length === 0) {
      delete meta.managedFields;
      return;
    }
    entries.sort(
      (p, q) =>
        cmp(p.operation, q.operation) ||
        cmp(p.time ?? '', q.time ?? '') ||
        cmp(p.manager, q.manager) ||
        cmp(p.apiVersion, q.apiVersion) ||
        cmp(p.subresource, q.subresource),
    );
    meta.managedFields = entries.map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: this.toVersion(m.set, m.apiVersion).toFieldsV1(),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
  }

  /** clean, in place: what stripMeta and the reset fields take out of a fresh set. */
  private strip(set: FieldSet, subresource: 'main' | 'status'): void {
    const top = set.children;
    if (!top) return;
    top.delete('f:apiVersion');
    top.delete('f:kind');
    top.delete(subresource === 'main' ? (this.ignored.main.children ? 'f:status' : '') : 'f:spec');
    const meta = top.get('f:metadata');
    if (!meta) return;
    meta.member = false;
    for (const f of strippedMeta) {
      const n = meta.children?.get(f);
      if (!n) continue;
      if (n.children) n.member = false;
      else meta.children!.delete(f);
    }
    if (!meta.children || meta.children.size === 0) top.delete('f:metadata');
  }

  private clean(set: FieldSet, subresource: 'main' | 'status'): FieldSet {
    return set.difference(stripped).recursiveDifference(this.ignored[subresource]);
  }

  /**
   * FieldManager.Update, for a create (no live object), an update or a non-apply patch: `next`
   * is the request's object after defaulting, before the strategy prepares it. Its
   * managedFields become the object's. `version`: the group/version the request came through,
   * which the manager's entry names (the stored one unless served through another).
   */
  update(live: KubeObject | undefined, next: KubeObject, manager: string, subresource: 'main' | 'status', now: Date, version = this.apiVersion): void {
    const meta = (next.metadata ??= {});
    // decodeLiveOrNew: a subresource ignores the request's managedFields; an explicit reset
    // clears them; none (or undecodable ones) keep the live object's.
    if (!live && subresource === 'main' && meta.managedFields === undefined && version === this.apiVersion) {
      // A create that brings no managedFields (nearly all), written through the stored version:
      // its manager owns what it created.
      const fieldsV1 = createdFieldsV1(next, this.zero, this.type, this.skipTop, this.skipMeta);
      delete meta.managedFields;
      if (fieldsV1) meta.managedFields = [{ manager, operation: 'Update', apiVersion: this.apiVersion, time: timeOf(now), fieldsType: 'FieldsV1', fieldsV1 }];
      return;
    }
    let managed: Map<string, Managed> | undefined;
    if (subresource !== 'main') managed = this.decode(live?.metadata?.managedFields);
    else if (isReset(meta.managedFields)) managed = new Map();
    else {
      managed = this.decode(meta.managedFields as ManagedFieldsEntry[] | undefined);
      if (!managed || managed.size === 0) managed = this.decode(live?.metadata?.managedFields);
    }
    delete meta.managedFields;
    if (!managed) return;
    // skipNonAppliedManager: an existing object without managedFields stays untracked.
    if (managed.size === 0 && live) return;
    // A create compares with the kind's empty object, as Go's zero value marshals it.
    const c = live ? compare(withoutManagedFields(live), next, this.type) : { changed: createdSet(next, this.zero, this.type), removed: undefined };
    this.strip(c.changed, subresource);
    for (const [key, m] of managed) {
      m.set = m.set.difference(c.changed);
      if (c.removed) m.set = m.set.difference(c.removed);
      if (m.set.empty) managed.delete(key);
    }
    const own = c.changed;
    if (!own.empty) {
      const entry: Managed = { manager, operation: 'Update', apiVersion: version, subresource: subresource === 'main' ? '' : subresource, set: own };
      const key = keyOf(entry);
      const prev = managed.get(key);
      if (prev) entry.set = own.union(prev.set);
      entry.time = timeOf(now);
      managed.set(key, entry);
    }
    capUpdateManagers(managed);
    this.encode(next, managed);
  }

  /**
   * FieldManager.Apply: the configuration merged over the live object (an empty one for an
   * apply that creates), with managedFields. Throws ApplyConflicts or ApplyError.
   */
  apply(
    live: KubeObject | undefined,
    config: KubeObject,
    manager: string,
    subresource: 'main' | 'status',
    force: boolean,
    now: Date,
    version = this.apiVersion,
  ): KubeObject {
    // versionCheckManager, then the structured merge manager's checks, in kube's order.
    if (config.kind !== this.kind || config.apiVersion !== this.apiVersion) {
      const [group, version] = (config.apiVersion ?? '').includes('/') ? (config.apiVersion ?? '').split('/', 2) : ['', config.apiVersion ?? ''];
      throw new ApplyError(400, `invalid object type: ${group}/${version}, Kind=${config.kind ?? ''}`);
    }
    if (config.metadata?.managedFields !== undefined) throw new ApplyError(400, 'metadata.managedFields must be nil');
    const liveObj: KubeObject = live ? withoutManagedFields(live) : { apiVersion: this.apiVersion, kind: this.kind, ...structuredClone(this.zero) };
    let configSet: FieldSet;
    try {
      configSet = toFieldSet(config, this.type, true);
    } catch (err) {
      if (err instanceof TypedError) {
        const m = config.metadata ?? {};
        const nn = `${m.namespace ?? ''}/${m.name ?? ''}`;
        throw new ApplyError(500, `failed to create typed patch object (${nn}; ${groupOf(this.apiVersion)}, Kind=${this.kind}): ${err.message}`);
      }
      throw err;
    }
    let managed = this.decode(live?.metadata?.managedFields) ?? new Map<string, Managed>();
    const sub = subresource === 'main' ? '' : subresource;
    let base = liveObj;
    if (managed.size === 0 && live) {
      // skipNonAppliedManager.Apply: what is there was set before anyone applied.
      managed.set(keyOf({ manager: 'before-first-apply', operation: 'Update', apiVersion: version, subresource: sub }), {
        manager: 'before-first-apply',
        operation: 'Update',
        apiVersion: version,
        subresource: sub,
        set: this.clean(toFieldSet(liveObj, this.type), subresource),
        time: timeOf(now),
      });
      base = liveObj;
    }
    managed = new Map(managed);
    const applyKey = keyOf({ manager, operation: 'Apply', apiVersion: version, subresource: sub });
    const last = managed.get(applyKey);
    const ownSet = this.clean(configSet, subresource);
    const times = new Map([...managed].map(([k, m]) => [k, m.time]));
    managed.set(applyKey, { manager, operation: 'Apply', apiVersion: version, subresource: sub, set: ownSet, time: last?.time });

    let merged = merge(base, config, this.type) as KubeObject;
    if (last && !last.set.empty) {
      // prune, addBackOwnedItems and addBackDanglingItems together: what this manager applied
      // last time and nobody owns now goes, a struct field staying while anyone owns something
      // under it. Only members of the last set go (never metadata.name, which nobody owns).
      let owned = new FieldSet();
      for (const m of managed.values()) owned = owned.union(m.set);
      const gone = last.set.difference(withNamedFields(owned, this.type));
      merged = removeItems(merged, gone, this.type) as KubeObject;
    }

    // Updater.update with the apply's force: other managers' fields it changes are conflicts.
    const c = compare(base, merged, this.type);
    const changed = c.changed;
    const conflicts: Conflict[] = [];
    for (const [key, m] of managed) {
      if (key === applyKey) continue;
      const hit = m.set.intersection(changed);
      // Reported in the applier's field names, as kube compares in the applier's version.
      if (!hit.empty) for (const p of this.toVersion(hit, version).paths()) conflicts.push({ manager: key, path: pathString(p), elements: p });
    }
    if (conflicts.length && !force) {
      // lastAppliedManager: kubectl's apply takes over, without conflict, the fields its own
      // client-side apply annotation still describes as they are.
      const allowed = manager === 'kubectl' ? this.allowedFromLastApplied(liveObj) : undefined;
      const remaining = allowed ? conflicts.filter((c) => !allowed.has(c.elements)) : conflicts;
      if (remaining.length) throw new ApplyConflicts(remaining);
    }
    for (const [key, m] of managed) {
      if (key === applyKey) continue;
      const rest = m.set.difference(changed).difference(c.removed);
      if (rest.empty) managed.delete(key);
      else managed.set(key, { ...m, set: rest });
    }
    syncLastApplied(merged, config, manager);
    const unchanged = JSON.stringify(merged) === JSON.stringify(base);
    const entry = managed.get(applyKey)!;
    if (!unchanged || !times.get(applyKey)) entry.time = timeOf(now);
    this.encode(merged, managed);
    return merged;
  }

  /**
   * allowedConflictsFromLastApplied: the fields of the last-applied-configuration annotation
   * that the live object still has with the same values. None when the annotation is missing,
   * undecodable, of another API version or outside the schema.
   */
  private allowedFromLastApplied(live: KubeObject): FieldSet | undefined {
    const text = live.metadata?.annotations?.[lastAppliedKey];
    if (!text) return undefined;
    try {
      const last = JSON.parse(text) as KubeObject;
      if (!last || typeof last !== 'object' || last.apiVersion !== this.apiVersion) return undefined;
      const set = toFieldSet(last, this.type, true);
      const c = compare(last, live, this.type);
      return set.difference(c.changed).difference(c.removed);
    } catch {
      return undefined;
    }
  }
}

const lastAppliedKey = 'kubectl.kubernetes.io/last-applied-configuration';

/** Go's encoding/json of a decoded JSON value: map keys sorted, <, > and & escaped, a newline after (json.Encoder). */
function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) Object.defineProperty(out, k, { value: sorted((x as Record<string, unknown>)[k]), enumerable: true });
      return out;
    }
    return x;
  };
  const escapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
  return `${JSON.stringify(sorted(v)).replace(/[<>&\u2028\u2029]/g, (c) => escapes[c])}\n`;
}

/**
 * lastAppliedUpdater: kubectl's server-side apply keeps an existing client-side apply
 * annotation in step with what it applied, so going back to client-side apply works. Other
 * managers opt out.
 */
function syncLastApplied(obj: KubeObject, config: KubeObject, manager: string): void {
  const annotations = obj.metadata?.annotations;
  if (manager !== 'kubectl' || !annotations || !(lastAppliedKey in annotations)) return;
  const copy = structuredClone(config);
  const own = copy.metadata?.annotations;
  if (own) {
    delete own[lastAppliedKey];
    if (Object.keys(own).length === 0) delete copy.metadata!.annotations;
  }
  obj.metadata!.annotations = { ...annotations, [lastAppliedKey]: goJson(copy) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion : `/${apiVersion}`);

/** kube's printManager: `"name"`, with the subresource, and `using v1` for updates. */
export function printManager(key: string): string {
  let e: ManagedFieldsEntry;
  try {
    e = JSON.parse(key) as ManagedFieldsEntry;
  } catch {
    return JSON.stringify(key);
  }
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s = `${s} with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s = `${s} using ${e.apiVersion ?? ''}`;
  return s;
}

/** kube's getConflictMessage. */
export function conflictMessage(conflicts: Conflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${conflicts[0].path}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(m)}:`);
    for (const p of byManager.get(m)!) lines.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}
