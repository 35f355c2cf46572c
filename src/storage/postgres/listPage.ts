// A page of a list as it was at a past revision, on PostgreSQL: the rows and counts the merge in
// ../pastPage.ts needs. Every query runs on one client inside one REPEATABLE READ
// transaction (see objectStore.ts), so the rows and the change log are one snapshot even while
// other replicas write.
import type pg from 'pg';
import type { ChangeType, ListPage, ListPageOptions } from '../objectStore.js';
import { type Key, PastPage, type Undone } from '../pastPage.js';

const chunk = 500;

/** Current rows after a key, in key order, fetched a chunk at a time. */
async function* rowsAfter(c: pg.ClientBase, resource: string, namespace: string | undefined, after: Key): AsyncGenerator<Key & { body: string }> {
  let from = after;
  for (;;) {
    const { rows } =
      namespace === undefined
        ? await c.query<Key & { body: string }>(
            'SELECT namespace, name, body FROM objects WHERE resource = $1 AND (namespace, name) > ($2, $3) ORDER BY namespace, name LIMIT $4',
            [resource, from.namespace, from.name, chunk],
          )
        : await c.query<Key & { body: string }>(
            'SELECT namespace, name, body FROM objects WHERE resource = $1 AND namespace = $2 AND name > $3 ORDER BY name LIMIT $4',
            [resource, namespace, from.namespace === namespace ? from.name : '', chunk],
          );
    yield* rows;
    if (rows.length < chunk) return;
    from = rows[rows.length - 1];
  }
}

/** `past`: writes were made after `revision`, so the change log has states to undo. */
export async function pageAt(
  c: pg.ClientBase,
  resource: string,
  namespace: string | undefined,
  revision: number,
  past: boolean,
  options: ListPageOptions,
): Promise<ListPage> {
  const p = new PastPage(namespace, options);
  if (past) {
    // The earliest change after the revision of each key holds the key's state at the revision.
    const { rows } = await c.query<Key & { event: ChangeType; prevBody: string | null }>(
      `SELECT DISTINCT ON (namespace, name) namespace, name, event, prev_body AS "prevBody" FROM change_log
       WHERE resource = $1 AND revision > $2 ORDER BY namespace, name, revision`,
      [resource, revision],
    );
    for (const row of rows) p.undo(row);
  }
  for await (const row of rowsAfter(c, resource, namespace, p.after)) if (!p.row(row)) break;
  const page = p.end(revision);
  if (page.more && !p.filtered) page.remaining = await countAfter(c, resource, namespace, page.more, p.undoneAfter(page.more));
  return page;
}

/** The objects after `last` at the revision: the current count, corrected by the changed keys after it. */
async function countAfter(c: pg.ClientBase, resource: string, namespace: string | undefined, last: Key, later: Undone[]): Promise<number> {
  const { rows } =
    namespace === undefined
      ? await c.query<{ n: string }>('SELECT count(*) AS n FROM objects WHERE resource = $1 AND (namespace, name) > ($2, $3)', [
          resource,
          last.namespace,
          last.name,
        ])
      : await c.query<{ n: string }>('SELECT count(*) AS n FROM objects WHERE resource = $1 AND namespace = $2 AND name > $3', [
          resource,
          namespace,
          last.name,
        ]);
  let n = Number(rows[0].n);
  if (later.length === 0) return n;
  const exists = await c.query<Key>(
    'SELECT namespace, name FROM objects WHERE resource = $1 AND (namespace, name) IN (SELECT * FROM unnest($2::text[], $3::text[]))',
    [resource, later.map((k) => k.namespace), later.map((k) => k.name)],
  );
  const now = new Set(exists.rows.map((r) => `${r.namespace}\0${r.name}`));
  for (const k of later) n += (k.body !== null ? 1 : 0) - (now.has(`${k.namespace}\0${k.name}`) ? 1 : 0);
  return n;
}
