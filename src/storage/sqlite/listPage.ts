// A page of a list as it was at a past revision, on SQLite: the rows and counts the merge in
// ../pastPage.ts needs, read with the object store's prepared statements.
import type { ListPage, ListPageOptions } from '../objectStore.js';
import { type Key, PastPage, type Undone } from '../pastPage.js';
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
  const p = new PastPage(namespace, options);
  if (past) for (const row of s.undo.all(resource, revision) as Parameters<PastPage['undo']>[0][]) p.undo(row);
  const { after } = p;
  const current = (
    namespace === undefined
      ? s.pageAll.iterate(resource, after.namespace, after.name)
      : s.pageNs.iterate(resource, namespace, after.namespace === namespace ? after.name : '')
  ) as IterableIterator<Key & { body: string }>;
  for (const row of current) if (!p.row(row)) break;
  const page = p.end(revision);
  if (page.more && !p.filtered) page.remaining = countAfter(s, resource, namespace, page.more, p.undoneAfter(page.more));
  return page;
}

/** The objects after `last` at the revision: the current count, corrected by the changed keys after it. */
function countAfter(s: PageStatements, resource: string, namespace: string | undefined, last: Key, undone: Undone[]): number {
  let n = Number(namespace === undefined ? s.countAfterAll.get(resource, last.namespace, last.name) : s.countAfterNs.get(resource, namespace, last.name));
  for (const k of undone) {
    const existsNow = s.body.get(resource, k.namespace, k.name) !== undefined;
    n += (k.body !== null ? 1 : 0) - (existsNow ? 1 : 0);
  }
  return n;
}
