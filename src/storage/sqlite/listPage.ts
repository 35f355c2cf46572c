// A page of a list as it was at a past revision, in key order: the current rows merged with the
// change log's previous bodies for every key changed since (each logged change keeps the body
// before it), so a page sequence at one revision lists every object exactly once however many
// writes happen between pages, as etcd's MVCC reads do for kube-apiserver.
import type { ChangeType, ListPage, ListPageOptions } from '../objectStore.js';
import type { Statement } from 'better-sqlite3';

/** The object store's statements this needs (see objectStore.ts). */
export interface PageStatements {
  undo: Statement;
  pageAll: Statement;
  pageNs: Statement;
  countAfterAll: Statement;
  countAfterNs: Statement;
  body: Statement;
}

/** `past`: writes were made after `revision`, so the change log has states to undo. */
export function pageAt(
  s: PageStatements,
  resource: string,
  namespace: string | undefined,
  revision: number,
  past: boolean,
  options: ListPageOptions,
): ListPage {
  if (options.containsAny) {
    const needles = options.containsAny;
    const accept = options.accept;
    options = { ...options, containsAny: undefined, accept: (body) => needles.some((n) => body.includes(n)) && (!accept || accept(body)) };
  }
  const after = options.after ?? { namespace: namespace ?? '', name: '' };
  const afterKey = (ns: string, name: string) => ns > after.namespace || (ns === after.namespace && name > after.name);
  // Keys changed since the snapshot, with their state at it (null: did not exist yet).
  const undone: { namespace: string; name: string; body: string | null }[] = [];
  if (past) {
    for (const row of s.undo.all(resource, revision) as { namespace: string; name: string; event: ChangeType; prevBody: string | null }[]) {
      if (namespace !== undefined && row.namespace !== namespace) continue;
      if (!afterKey(row.namespace, row.name)) continue;
      undone.push({ namespace: row.namespace, name: row.name, body: row.event === 'ADDED' ? null : row.prevBody });
    }
  }
  const current = (
    namespace === undefined
      ? s.pageAll.iterate(resource, after.namespace, after.name)
      : s.pageNs.iterate(resource, namespace, after.namespace === namespace ? after.name : '')
  ) as IterableIterator<{ namespace: string; name: string; body: string }>;
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const bodies: string[] = [];
  let last: { namespace: string; name: string } | undefined;
  let more = false;
  let u = 0;
  const cmp = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
    a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const take = (key: { namespace: string; name: string }, body: string | null): boolean => {
    if (body === null) return true;
    if (bodies.length >= limit) {
      more = true;
      return false;
    }
    if (!options.accept || options.accept(body)) {
      bodies.push(body);
      last = { namespace: key.namespace, name: key.name };
    }
    return true;
  };
  let going = true;
  for (const row of current) {
    while (going && u < undone.length && cmp(undone[u], row) < 0) going = take(undone[u], undone[u++].body);
    if (!going) break;
    if (u < undone.length && cmp(undone[u], row) === 0) going = take(row, undone[u++].body);
    else going = take(row, row.body);
    if (!going) break;
  }
  while (going && u < undone.length) going = take(undone[u], undone[u++].body);
  const page: ListPage = { bodies, revision };
  if (more && last) {
    page.more = last;
    if (!options.accept) page.remaining = countAfter(s, resource, namespace, last, undone);
  }
  return page;
}

function countAfter(
  s: PageStatements,
  resource: string,
  namespace: string | undefined,
  last: { namespace: string; name: string },
  undone: { namespace: string; name: string; body: string | null }[],
): number {
  let n = Number(namespace === undefined ? s.countAfterAll.get(resource, last.namespace, last.name) : s.countAfterNs.get(resource, namespace, last.name));
  for (const k of undone) {
    if (k.namespace < last.namespace || (k.namespace === last.namespace && k.name <= last.name)) continue;
    const existsNow = s.body.get(resource, k.namespace, k.name) !== undefined;
    n += (k.body !== null ? 1 : 0) - (existsNow ? 1 : 0);
  }
  return n;
}
