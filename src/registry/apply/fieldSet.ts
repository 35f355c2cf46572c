// A set of field paths, structured-merge-diff's fieldpath.Set: a trie whose edges are path
// elements written as in FieldsV1 (`f:name`, `k:{"port":80,"protocol":"TCP"}`, `v:"a"`, `i:0`)
// and whose nodes may be members themselves (`.` in FieldsV1). Encoding sorts children as
// PathElement.Compare does: field names, then keys, then values, then indices.

export class FieldSet {
  member = false;
  children: Map<string, FieldSet> | undefined;

  child(pe: string): FieldSet {
    this.children ??= new Map();
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  /** Inserts a member at path (element by element). */
  insert(path: readonly string[]): void {
    let node: FieldSet = this;
    for (const pe of path) node = node.child(pe);
    node.member = true;
  }

  /** Whether path is a member (fieldpath.Set.Has). */
  has(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (const pe of path) {
      node = node.children?.get(pe);
      if (!node) return false;
    }
    return node.member;
  }

  get empty(): boolean {
    if (this.member) return false;
    if (!this.children) return true;
    for (const c of this.children.values()) if (!c.empty) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member || other.member;
    const keys = new Set([...(this.children?.keys() ?? []), ...(other.children?.keys() ?? [])]);
    for (const k of keys) {
      const a = this.children?.get(k);
      const b = other.children?.get(k);
      const c = a && b ? a.union(b) : (a ?? b)!.copy();
      if (!c.empty) (out.children ??= new Map()).set(k, c);
    }
    return out;
  }

  /** Members of this set that are not members of other (fieldpath.Set.Difference). */
  difference(other: FieldSet | undefined): FieldSet {
    if (!other) return this.copy();
    const out = new FieldSet();
    out.member = this.member && !other.member;
    if (this.children) {
      for (const [k, a] of this.children) {
        const b = other.children?.get(k);
        const c = b ? a.difference(b) : a.copy();
        if (!c.empty) (out.children ??= new Map()).set(k, c);
      }
    }
    return out;
  }

  /** Removes whole subtrees: everything at or under a member of other (RecursiveDifference). */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.member) return new FieldSet();
    const out = new FieldSet();
    out.member = this.member;
    if (this.children) {
      for (const [k, a] of this.children) {
        const b = other.children?.get(k);
        const c = b ? a.recursiveDifference(b) : a.copy();
        if (!c.empty) (out.children ??= new Map()).set(k, c);
      }
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    if (this.children && other.children) {
      for (const [k, a] of this.children) {
        const b = other.children.get(k);
        if (!b) continue;
        const c = a.intersection(b);
        if (!c.empty) (out.children ??= new Map()).set(k, c);
      }
    }
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    if (this.children) {
      out.children = new Map();
      for (const [k, c] of this.children) out.children.set(k, c.copy());
    }
    return out;
  }

  /** Every member path, in sorted order. */
  paths(prefix: string[] = [], out: string[][] = []): string[][] {
    if (this.member) out.push(prefix);
    if (this.children) for (const k of sortedKeys(this.children)) this.children.get(k)!.paths([...prefix, k], out);
    return out;
  }

  /** FieldsV1 JSON: `.` for a member that has children, `{}` for a member leaf. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.children) {
      for (const k of sortedKeys(this.children)) {
        const c = this.children.get(k)!;
        if (c.empty) continue;
        const v = c.toFieldsV1();
        if (c.member && c.children && Object.keys(v).length) out[k] = { '.': {}, ...v };
        else out[k] = v;
      }
    }
    return out;
  }

  static fromFieldsV1(json: unknown): FieldSet {
    const out = new FieldSet();
    if (!json || typeof json !== 'object' || Array.isArray(json)) return out;
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (k === '.') continue;
      const c = FieldSet.fromFieldsV1(v);
      const inner = v && typeof v === 'object' ? Object.keys(v as object) : [];
      c.member = inner.length === 0 || inner.includes('.');
      (out.children ??= new Map()).set(k, c);
    }
    return out;
  }
}

const order = (pe: string) => ('fkvi'.indexOf(pe[0]) + 4) % 4;

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** PathElement.Compare over FieldsV1 keys. */
export function comparePE(a: string, b: string): number {
  const oa = order(a);
  const ob = order(b);
  if (oa !== ob) return oa - ob;
  switch (a[0]) {
    case 'k': {
      const ka = Object.entries(JSON.parse(a.slice(2)) as Record<string, unknown>);
      const kb = Object.entries(JSON.parse(b.slice(2)) as Record<string, unknown>);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        if (ka[i][0] !== kb[i][0]) return ka[i][0] < kb[i][0] ? -1 : 1;
        const c = compareValues(ka[i][1], kb[i][1]);
        if (c) return c;
      }
      return ka.length - kb.length;
    }
    case 'v':
      return compareValues(JSON.parse(a.slice(2)), JSON.parse(b.slice(2)));
    case 'i':
      return Number(a.slice(2)) - Number(b.slice(2));
    default:
      return a < b ? -1 : a > b ? 1 : 0;
  }
}

function sortedKeys(m: Map<string, FieldSet>): string[] {
  const keys = [...m.keys()];
  return keys.length > 1 ? keys.sort(comparePE) : keys;
}

/** fieldpath.Path.String(): `.spec.ports[port=80,protocol="TCP"].name`, `[=value]`, `[0]`. */
export function pathString(path: readonly string[]): string {
  let out = '';
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k':
        out += `[${Object.entries(JSON.parse(body) as Record<string, unknown>)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
        break;
      case 'v':
        out += `[=${body}]`;
        break;
      case 'i':
        out += `[${body}]`;
        break;
    }
  }
  return out;
}
