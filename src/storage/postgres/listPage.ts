// A page of a list as it was at a past revision, in key order, on PostgreSQL: the current rows
// merged with the change log's previous bodies for every key changed since, as the SQLite
// dialect's listPage.ts does. Every query runs on one client inside one REPEATABLE READ
// transaction (see objectStore.ts), so the rows and the change log are one snapshot even while
// other replicas write.
import type pg from 'pg';
import type { ChangeType, ListPage, ListPageOptions } from '../objectStore.js';

interface Key {
  namespace: string;
  name: string;
}

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
  if (options.containsAny) {
    const needles = options.containsAny;
    const accept = options.accept;
    options = { ...options, containsAny: undefined, accept: (body) => needles.some((n) => body.includes(n)) && (!accept || accept(body)) };
  }
  const after = options.after ?? { namespace: namespace ?? '', name: '' };
  const afterKey = (ns: string, name: string) => ns > after.namespace || (ns === after.namespace && name > after.name);
  const undone: { namespace: string; name: string; body: string | null }[] = [];
  if (past) {
    // The earliest change after the revision of each key holds the key's state at the revision.
    const { rows } = await c.query<{ namespace: string; name: string; event: ChangeType; prevBody: string | null }>(
      `SELECT DISTINCT ON (namespace, name) namespace, name, event, prev_body AS "prevBody" FROM change_log
       WHERE resource = $1 AND revision > $2 ORDER BY namespace, name, revision`,
      [resource, revision],
    );
    for (const row of rows) {
      if (namespace !== undefined && row.namespace !== namespace) continue;
      if (!afterKey(row.namespace, row.name)) continue;
      undone.push({ namespace: row.namespace, name: row.name, body: row.event === 'ADDED' ? null : row.prevBody });
    }
  }
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const bodies: string[] = [];
  let last: Key | undefined;
  let more = false;
  let u = 0;
  const cmp = (a: Key, b: Key) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const take = (key: Key, body: string | null): boolean => {
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
  for await (const row of rowsAfter(c, resource, namespace, after)) {
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
    if (!options.accept) page.remaining = await countAfter(c, resource, namespace, last, undone);
  }
  return page;
}

async function countAfter(
  c: pg.ClientBase,
  resource: string,
  namespace: string | undefined,
  last: Key,
  undone: { namespace: string; name: string; body: string | null }[],
) {
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
  const later = undone.filter((k) => k.namespace > last.namespace || (k.namespace === last.namespace && k.name > last.name));
  if (later.length === 0) return n;
  const exists = await c.query<Key>(
    'SELECT namespace, name FROM objects WHERE resource = $1 AND (namespace, name) IN (SELECT * FROM unnest($2::text[], $3::text[]))',
    [resource, later.map((k) => k.namespace), later.map((k) => k.name)],
  );
  const now = new Set(exists.rows.map((r) => `${r.namespace}\0${r.name}`));
  for (const k of later) n += (k.body !== null ? 1 : 0) - (now.has(`${k.namespace}\0${k.name}`) ? 1 : 0);
  return n;
}
